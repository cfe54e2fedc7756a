import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { Notice } from '~/components/field';
import { getBreachForStaff } from '~/models/breaches/register.server';
import { EXEMPTION_LABELS, KIND_LABELS, PHASE_LABELS, RISK_LABELS, ROLE_LABELS } from '~/models/breaches/labels';
import { breachDeadline, formatInstant } from '~/models/breaches/rules';
import { describeState } from '~/models/breaches/view';
import { actorOf, requireBreachOfficer } from '~/routes/breach-guard.server';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.breach.reference ?? 'Breach'} — Breach register — Privacy Portal` }];

const DONE: Record<string, string> = {
  recorded: 'The breach is recorded. Reminders go to the DPO and administrators 48, 24 and 6 hours before the deadline.',
  updated: 'The record is updated.',
};

const HISTORY: Record<string, string> = {
  'breach.recorded': 'Recorded',
  'breach.updated': 'Record changed',
  'breach.filed': 'Filed with the authority',
  'breach.not_notified': 'Decided not to notify the authority',
  'breach.controller_told': 'Controller told',
  'breach.subjects_added': 'People added to the Art. 34 list',
  'breach.subject_excluded': 'Person taken off the Art. 34 list',
  'breach.notice_drafted': 'Art. 34 text written',
  'breach.subjects_notified': 'People told (Art. 34)',
  'breach.art34_exempted': 'Art. 34(3) exemption recorded',
  'breach.reminder_sent': 'Deadline reminder mailed',
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireBreachOfficer(request, context);
  const now = new Date();
  const found = await getBreachForStaff(context.db, actorOf(user, context), params.id ?? '', { now });
  invariantResponse(found, 'Not found', { status: 404 });
  const { breach: b, filings, state, subjects, gaps, history } = found;
  const tz = context.config.timeZone;
  const when = (d: Date | null) => (d ? formatInstant(d, tz) : null);
  return json({
    done: DONE[new URL(request.url).searchParams.get('done') ?? ''] ?? null,
    state: describeState(state, tz, now),
    breach: {
      id: b.id,
      reference: b.reference,
      title: b.title,
      detected: when(b.detected_at)!,
      aware: when(b.aware_at)!,
      awarenessReason: b.awareness_reason,
      deadline: when(breachDeadline(b.aware_at))!,
      kinds: (Object.keys(KIND_LABELS) as Array<keyof typeof KIND_LABELS>).filter((k) => b[k]).map((k) => KIND_LABELS[k]),
      nature: b.nature,
      subjectCategories: b.subject_categories,
      subjectsApprox: b.subjects_approx,
      recordCategories: b.record_categories,
      recordsApprox: b.records_approx,
      dpoContact: b.dpo_contact,
      consequences: b.consequences,
      measures: b.measures,
      causes: b.causes,
      role: b.role,
      roleLabel: ROLE_LABELS[b.role],
      controllerName: b.controller_name,
      risk: b.risk,
      riskLabel: RISK_LABELS[b.risk],
      riskReasoning: b.risk_reasoning,
      notNotifiedReason: b.risk === 'unlikely' ? b.not_notified_reason : null,
      exemption: b.art34_exemption ? EXEMPTION_LABELS[b.art34_exemption] : null,
      exemptionGround: b.art34_exemption_ground,
      incidentRef: b.incident_ref,
      recorded: when(b.created_at)!,
    },
    gaps,
    subjects,
    filings: filings.map((f) => ({
      id: f.id,
      phase: PHASE_LABELS[f.phase],
      filedAt: when(f.filed_at)!,
      authority: f.authority_name,
      reference: f.authority_reference,
      summary: f.summary,
      late: f.late,
      lateReasons: f.late_reasons,
    })),
    history: history.map((h) => ({ id: String(h.id), at: when(new Date(h.occurred_at))!, what: HISTORY[h.action] ?? h.action, who: h.actor_email ?? 'the system' })),
  });
}

const Text = ({ value }: { value: string | number | null }) =>
  value === null || value === '' ? <em className="muted">Not yet known</em> : <span className="preserve">{value}</span>;

export default function BreachPage() {
  const { breach: b, state, filings, gaps, subjects, history, done } = useLoaderData<typeof loader>();
  const told = subjects.queued + subjects.sent + subjects.failed;
  return (
    <>
      <p>
        <Link to="/staff/breaches">← Breach register</Link>
      </p>
      <h1>
        {b.reference}: {b.title}
      </h1>
      {done ? <Notice>{done}</Notice> : null}
      <div className="panel">
        <p>
          <span className={`badge badge-${state.tone}`}>{state.label}</span>
        </p>
        {state.detail ? <p>{state.detail}</p> : null}
        {b.role === 'controller' ? <p>Deadline to notify the authority (72 hours after awareness): {b.deadline}</p> : null}
        <ul className="console-links">
          <li>
            <Link to={`/staff/breaches/${b.id}/notify`}>{b.role === 'controller' ? 'Notify the authority' : 'Tell the controller'}</Link>: filings in phases, or the decision not to notify
          </li>
          <li>
            <Link to={`/staff/breaches/${b.id}/subjects`}>People affected (Art. 34)</Link>
            {b.exemption ? ': exempt' : told > 0 ? `: ${told} told` : b.risk === 'high' && b.role === 'controller' ? ': required, nobody told yet' : ': not required unless the risk is high'}
          </li>
          <li>
            <Link to={`/staff/breaches/${b.id}/edit`}>Change the record</Link>: details may follow in phases
          </li>
        </ul>
      </div>

      <h2>The clock</h2>
      <dl>
        <dt>Detected</dt>
        <dd>{b.detected}</dd>
        <dt>Aware</dt>
        <dd>{b.aware}</dd>
        {b.awarenessReason ? (
          <>
            <dt>Why awareness came later</dt>
            <dd className="preserve">{b.awarenessReason}</dd>
          </>
        ) : null}
        <dt>Recorded</dt>
        <dd>{b.recorded}</dd>
      </dl>

      <h2>What happened (Art. 33(3))</h2>
      {gaps.length ? <p className="callout">Still to come: {gaps.join('; ')}.</p> : null}
      <dl>
        <dt>Affected</dt>
        <dd>{b.kinds.join('; ')}</dd>
        <dt>Nature</dt>
        <dd className="preserve">{b.nature}</dd>
        <dt>People affected</dt>
        <dd>
          <Text value={b.subjectCategories} /> (approximately <Text value={b.subjectsApprox} />)
        </dd>
        <dt>Records affected</dt>
        <dd>
          <Text value={b.recordCategories} /> (approximately <Text value={b.recordsApprox} />)
        </dd>
        <dt>DPO or contact point</dt>
        <dd>{b.dpoContact}</dd>
        <dt>Likely consequences</dt>
        <dd>
          <Text value={b.consequences} />
        </dd>
        <dt>Measures</dt>
        <dd>
          <Text value={b.measures} />
        </dd>
        <dt>Causes</dt>
        <dd>
          <Text value={b.causes} />
        </dd>
        <dt>Our role</dt>
        <dd>
          {b.roleLabel}
          {b.controllerName ? `; controller: ${b.controllerName}` : ''}
        </dd>
        <dt>Risk</dt>
        <dd>{b.riskLabel}</dd>
        {b.riskReasoning ? (
          <>
            <dt>Reasoning</dt>
            <dd className="preserve">{b.riskReasoning}</dd>
          </>
        ) : null}
        {b.incidentRef ? (
          <>
            <dt>Status incident</dt>
            <dd>{b.incidentRef}</dd>
          </>
        ) : null}
      </dl>

      <h2>Filings with the authority</h2>
      {b.notNotifiedReason ? <p>Not notified: <span className="preserve">{b.notNotifiedReason}</span></p> : null}
      {filings.length === 0 ? (
        <p>Nothing filed yet.</p>
      ) : (
        <ol className="timeline">
          {filings.map((f) => (
            <li key={f.id}>
              <p className="timeline-who">
                {f.phase}
                {f.late ? ' (late)' : ''}
              </p>
              <p className="timeline-when">
                {f.filedAt} to {f.authority}
                {f.reference ? `, reference ${f.reference}` : ''}
              </p>
              <p className="preserve">{f.summary}</p>
              {f.lateReasons ? <p className="preserve">Reasons for the delay: {f.lateReasons}</p> : null}
            </li>
          ))}
        </ol>
      )}
      {b.exemption ? (
        <>
          <h2>Art. 34(3) exemption</h2>
          <p>{b.exemption}</p>
          <p className="preserve">{b.exemptionGround}</p>
        </>
      ) : null}

      <h2>History</h2>
      <ol className="timeline">
        {history.map((h) => (
          <li key={h.id}>
            <p className="timeline-who">{h.what}</p>
            <p className="timeline-when">
              {h.at}, {h.who}
            </p>
          </li>
        ))}
      </ol>
    </>
  );
}
