import type { ReactNode } from 'react';
import type { Report } from '~/models/reports/report.server';
import { CHANNEL_LABELS, type RequestChannel } from '~/models/requests/channels';
import { NOT_RECORDED, REFUSAL_GROUND_LABELS, type RefusalGround } from '~/models/requests/refusal-grounds';
import { REQUEST_TYPE_VALUES, requestTypeLabel } from '~/models/requests/request-types';
import { formatCount, formatDayMonth, formatDays, formatPercent } from '~/models/reports/summaries';

/**
 * The report's figures, charts and tables: /staff/reports and its printable page. The charts
 * arrive as SVG drawn on the server; each has its summary and, beside it, a table of the same
 * numbers. JSON turns the report's dates into strings already, so it is typed as it arrives.
 */
type Charts = { volume: string; deadline: string; onTime: string; backlog: string };
type Summaries = Charts;

const typeName = (type: string) => requestTypeLabel(type).replace(/ \(Art\. \d+\)$/, '');
const groundName = (ground: string) => (ground === NOT_RECORDED ? 'Not recorded (refused before grounds were kept)' : REFUSAL_GROUND_LABELS[ground as RefusalGround] ?? ground);

/** `wide`: a table with many columns goes under its chart, full width, rather than beside it. */
function ChartWithTable(props: { id: string; title: string; svg: string; summary: string; wide?: boolean; children: ReactNode }) {
  return (
    <section className="report-chart" aria-labelledby={`${props.id}-heading`}>
      <h2 id={`${props.id}-heading`}>{props.title}</h2>
      <div className={props.wide ? 'chart-pair wide' : 'chart-pair'}>
        <figure className="chart">
          <div className="chart-image" dangerouslySetInnerHTML={{ __html: props.svg }} />
          <figcaption>{props.summary}</figcaption>
        </figure>
        <div className="chart-table">{props.children}</div>
      </div>
    </section>
  );
}

export function filterDescription(report: Report, assignees: readonly { id: string; email: string }[]): string {
  const f = report.filter;
  const assignee =
    f.assignee === 'unassigned' ? 'assigned to nobody' : f.assignee ? `assigned to ${assignees.find((a) => a.id === f.assignee)?.email ?? 'a former member of staff'}` : 'anyone’s';
  return `${f.type ? `${typeName(f.type)} requests` : 'All types'}, ${f.channel ? `by ${CHANNEL_LABELS[f.channel as RequestChannel].toLowerCase()}` : 'every channel'}, ${assignee}.`;
}

export function ReportView({
  report,
  charts,
  summaries,
  assignees,
  timeZone,
}: {
  report: Report;
  charts: Charts;
  summaries: Summaries;
  assignees: readonly { id: string; email: string }[];
  timeZone: string;
}) {
  const t = report.totals;
  const row = (label: string, value: string, what: string) => (
    <tr key={label}>
      <th scope="row">{label}</th>
      <td data-label="Number" className="number">
        {value}
      </td>
      <td data-label="What it counts">{what}</td>
    </tr>
  );
  return (
    <>
      <p>
        <strong>{filterDescription(report, assignees)}</strong> Days are counted in {timeZone}: {formatDayMonth(report.period.from)} to{' '}
        {formatDayMonth(report.period.to)}. Each event counts in the period it happened in.
      </p>
      <table className="responsive-table report-figures">
        <caption>Requests in {report.period.label}</caption>
        <thead>
          <tr>
            <th scope="col">Figure</th>
            <th scope="col">Number</th>
            <th scope="col">What it counts</th>
          </tr>
        </thead>
        <tbody>
          {row('Received', formatCount(t.received), 'Filed in the period, by any channel, whether or not the email address was confirmed.')}
          {row('Verified', formatCount(t.verified), 'Confirmed in the period: the statutory clock started.')}
          {row('Answered', formatCount(t.answered), 'Completed or refused in the period: the answer Art. 12(3) and 12(4) require.')}
          {row('Answered on time', formatCount(t.onTime), 'By the due date (one month, moved by weekends, holidays, pauses and any extension).')}
          {row('Answered late', formatCount(t.late), 'After the due date.')}
          {row('On time', formatPercent(t.onTimePercent), 'Answered on time, as a share of all answered.')}
          {row('Completed', `${formatCount(t.completed)} (${formatCount(t.completedOnTime)} on time, ${formatCount(t.completedLate)} late)`, 'Answered with what was asked for, in whole or in part, or an objection decided.')}
          {row('Refused', `${formatCount(t.refused)} (${formatCount(t.refusedOnTime)} on time, ${formatCount(t.refusedLate)} late)`, 'Refused with the Art. 12(4) notice; by ground below.')}
          {row('Extended', formatCount(t.extended), 'Deadlines extended in the period (Art. 12(3), by one or two months).')}
          {row('Withdrawn', formatCount(t.withdrawn), 'Withdrawn by the subject in the period.')}
          {row('Expired unverified', formatCount(t.expired), 'Never confirmed: expired after 7 days, or closed by staff as never confirmed, in the period.')}
        </tbody>
      </table>

      <table className="responsive-table report-days">
        <caption>Days to close ({formatCount(t.daysToClose.count)} answered requests)</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col">Calendar days</th>
            <th scope="col">Share of the time allowed</th>
          </tr>
        </thead>
        <tbody>
          {(
            [
              ['Median', 'median'],
              ['Mean', 'mean'],
              ['90th percentile', 'p90'],
            ] as const
          ).map(([label, key]) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              <td data-label="Calendar days" className="number">
                {formatDays(t.daysToClose[key])}
              </td>
              <td data-label="Share of the time allowed" className="number">
                {t.deadlineShare[key] === null ? '–' : `${formatDays(t.deadlineShare[key])}%`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">
        Calendar days run from receipt (the day the email address was confirmed) to the day of the answer, in {timeZone}. The share of
        the time allowed divides those days by the days from receipt to the due date, which includes the days the clock was paused and
        any extension, rounded up to a whole percent: 100% or less is on time.
      </p>

      <table className="responsive-table report-grounds">
        <caption>Refused, by ground</caption>
        <thead>
          <tr>
            <th scope="col">Ground</th>
            <th scope="col">Refusals</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(t.refusedByGround)
            .filter(([ground, n]) => n > 0 || ground !== NOT_RECORDED)
            .map(([ground, n]) => (
              <tr key={ground}>
                <th scope="row">{groundName(ground)}</th>
                <td data-label="Refusals" className="number">
                  {formatCount(n)}
                </td>
              </tr>
            ))}
        </tbody>
      </table>

      <h2>Open now</h2>
      <ul className="console-summary" aria-label={`Open now, ${formatDayMonth(report.today)}`}>
        <li>
          Open: <strong>{formatCount(report.now.open)}</strong>
        </li>
        <li>
          Overdue: <strong>{formatCount(report.now.overdue)}</strong>
        </li>
        <li>
          Waiting on the subject (clock paused): <strong>{formatCount(report.now.paused)}</strong>
        </li>
        <li>
          Due within 7 days: <strong>{formatCount(report.now.dueSoon)}</strong>
        </li>
      </ul>
      <table className="responsive-table report-load">
        <caption>Load by assignee, {formatDayMonth(report.today)}</caption>
        <thead>
          <tr>
            <th scope="col">Assigned to</th>
            <th scope="col">Open</th>
            <th scope="col">Overdue</th>
            <th scope="col">Waiting on the subject</th>
            <th scope="col">Due within 7 days</th>
          </tr>
        </thead>
        <tbody>
          {report.load.length === 0 ? (
            <tr>
              <td colSpan={5}>Nothing is open.</td>
            </tr>
          ) : (
            report.load.map((l) => (
              <tr key={l.assigneeId ?? 'nobody'}>
                <th scope="row">{l.assigneeId ? l.email ?? 'a former member of staff' : 'Nobody'}</th>
                <td data-label="Open" className="number">{formatCount(l.open)}</td>
                <td data-label="Overdue" className="number">{formatCount(l.overdue)}</td>
                <td data-label="Waiting on the subject" className="number">{formatCount(l.paused)}</td>
                <td data-label="Due within 7 days" className="number">{formatCount(l.dueSoon)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>

      <table className="responsive-table report-systems">
        <caption>Connected systems: answers to these requests, and answers after the system&apos;s deadline</caption>
        <thead>
          <tr>
            <th scope="col">System</th>
            <th scope="col">Answered</th>
            <th scope="col">Answered late</th>
            <th scope="col">Unanswered past its deadline now</th>
          </tr>
        </thead>
        <tbody>
          {report.systems.length === 0 ? (
            <tr>
              <td colSpan={4}>No system answered or owes an answer.</td>
            </tr>
          ) : (
            report.systems.map((s) => (
              <tr key={s.id}>
                <th scope="row">{s.name}</th>
                <td data-label="Answered" className="number">{formatCount(s.answered)}</td>
                <td data-label="Answered late" className="number">{formatCount(s.late)}</td>
                <td data-label="Unanswered past its deadline now" className="number">{formatCount(s.overdue)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>

      <ChartWithTable id="volume" title="Volume by week" svg={charts.volume} summary={summaries.volume} wide>
        <table className="responsive-table compact">
          <caption>Requests received per week, by type</caption>
          <thead>
            <tr>
              <th scope="col">Week</th>
              {REQUEST_TYPE_VALUES.map((type) => (
                <th scope="col" key={type}>
                  {typeName(type)}
                </th>
              ))}
              <th scope="col">All</th>
            </tr>
          </thead>
          <tbody>
            {report.weeklyVolume.map((w) => (
              <tr key={w.start}>
                <th scope="row">{w.from === w.to ? formatDayMonth(w.from) : `${formatDayMonth(w.from)} – ${formatDayMonth(w.to)}`}</th>
                {REQUEST_TYPE_VALUES.map((type) => (
                  <td key={type} data-label={typeName(type)} className="number">
                    {formatCount(w.counts[type] ?? 0)}
                  </td>
                ))}
                <td data-label="All" className="number">
                  {formatCount(w.total)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ChartWithTable>

      <ChartWithTable id="deadline" title="Days to close, against the deadline" svg={charts.deadline} summary={summaries.deadline}>
        <table className="responsive-table compact">
          <caption>Answers by the share of the time allowed they used</caption>
          <thead>
            <tr>
              <th scope="col">Share of the time allowed</th>
              <th scope="col">Answers</th>
              <th scope="col">Deadline</th>
            </tr>
          </thead>
          <tbody>
            {report.deadlineHistogram.map((b) => (
              <tr key={b.label}>
                <th scope="row">{b.label}</th>
                <td data-label="Answers" className="number">
                  {formatCount(b.n)}
                </td>
                <td data-label="Deadline">{b.onTime ? 'on time' : 'late'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ChartWithTable>

      <ChartWithTable id="on-time" title="On time, by month" svg={charts.onTime} summary={summaries.onTime}>
        <table className="responsive-table compact">
          <caption>Answers given on time, by month</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col">Answered</th>
              <th scope="col">On time</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {report.onTimeByMonth.map((m) => (
              <tr key={m.start}>
                <th scope="row">{formatDayMonth(m.start).replace(/^1 /, '')}</th>
                <td data-label="Answered" className="number">{formatCount(m.answered)}</td>
                <td data-label="On time" className="number">{formatCount(m.onTime)}</td>
                <td data-label="Share" className="number">{formatPercent(m.onTimePercent)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ChartWithTable>

      <ChartWithTable id="backlog" title="Backlog over time" svg={charts.backlog} summary={summaries.backlog}>
        <table className="responsive-table compact">
          <caption>Requests open at the end of each week</caption>
          <thead>
            <tr>
              <th scope="col">End of</th>
              <th scope="col">Open</th>
            </tr>
          </thead>
          <tbody>
            {report.backlog.map((p) => (
              <tr key={p.end}>
                <th scope="row">{formatDayMonth(p.end)}</th>
                <td data-label="Open" className="number">
                  {formatCount(p.open)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ChartWithTable>
    </>
  );
}
