import { scaleBand, scaleLinear, scalePoint } from 'd3-scale';
import { area, line, stack } from 'd3-shape';
import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { REQUEST_TYPE_VALUES } from '~/models/requests/request-types';
import { requestTypeLabel } from '~/models/requests/request-types';
import { parseDate } from '~/utils/calendar';
import type { Report } from '~/models/reports/report.server';

/**
 * The report's four charts as SVG drawn on the server (d3-scale for the scales, d3-shape for
 * the stack, line and area), so no chart code reaches the browser and the page works without
 * JavaScript. Each chart is an image with a title and a description, colour is never the only
 * carrier (each type has its own pattern and a legend; late answers are hatched; values are
 * written on the bars), and the page puts a table of the same numbers beside each one.
 */

const W = 720;
const H = 320;
const M = { top: 28, right: 16, bottom: 56, left: 52 };
const INK = '#1a1a1a';
const GRID = '#d1d5db';
const FONT = 13;

/** A fill and a pattern per request type (Okabe–Ito colours, distinguishable without colour too). */
const TYPE_STYLE: Record<string, { colour: string; pattern: 'solid' | 'diagonal' | 'dots' | 'horizontal' | 'cross' | 'vertical' }> = {
  access: { colour: '#0072B2', pattern: 'solid' },
  rectification: { colour: '#E69F00', pattern: 'diagonal' },
  erasure: { colour: '#009E73', pattern: 'dots' },
  restriction: { colour: '#CC79A7', pattern: 'horizontal' },
  portability: { colour: '#56B4E9', pattern: 'cross' },
  objection: { colour: '#D55E00', pattern: 'vertical' },
};

function Pattern({ id, colour, pattern }: { id: string; colour: string; pattern: string }) {
  const mark =
    pattern === 'diagonal' ? <path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" strokeWidth={2} /> :
    pattern === 'dots' ? <circle cx={4} cy={4} r={1.8} fill="#fff" /> :
    pattern === 'horizontal' ? <path d="M0,4 h8" stroke="#fff" strokeWidth={2} /> :
    pattern === 'cross' ? <path d="M0,0 l8,8 M8,0 l-8,8" stroke="#fff" strokeWidth={1.5} /> :
    pattern === 'vertical' ? <path d="M4,0 v8" stroke="#fff" strokeWidth={2} /> : null;
  return (
    <pattern id={id} patternUnits="userSpaceOnUse" width={8} height={8}>
      <rect width={8} height={8} fill={colour} />
      {mark}
    </pattern>
  );
}

function Svg(props: { id: string; title: string; desc: string; children: ReactNode; defs?: ReactNode }) {
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-labelledby={`${props.id}-title ${props.id}-desc`}
      className="chart-svg"
      fontSize={FONT}
    >
      <title id={`${props.id}-title`}>{props.title}</title>
      <desc id={`${props.id}-desc`}>{props.desc}</desc>
      {props.defs ? <defs>{props.defs}</defs> : null}
      {props.children}
    </svg>
  );
}

function YAxis({ ticks, y, format = String }: { ticks: number[]; y: (v: number) => number; format?: (v: number) => string }) {
  return (
    <g>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke={GRID} />
          <text x={M.left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle" fill={INK}>
            {format(t)}
          </text>
        </g>
      ))}
    </g>
  );
}

const shortMonth = (date: string) => parseDate(date).setLocale('en-GB').toFormat('LLL');
const dayMonth = (date: string) => parseDate(date).setLocale('en-GB').toFormat('d LLL');

/** Labels for a run of dates: every one when few, else the first of each month. */
function dateLabels(dates: string[]): Map<string, string> {
  const labels = new Map<string, string>();
  if (dates.length <= 14) {
    for (const d of dates) labels.set(d, dayMonth(d));
    return labels;
  }
  let month = '';
  for (const d of dates) {
    if (d.slice(0, 7) !== month) {
      month = d.slice(0, 7);
      labels.set(d, month.endsWith('-01') || labels.size === 0 ? `${shortMonth(d)} ${d.slice(0, 4)}` : shortMonth(d));
    }
  }
  return labels;
}

function render(node: ReactNode): string {
  return renderToStaticMarkup(<>{node}</>);
}

/** Requests received per week, stacked by type, with a legend of the types' patterns. */
export function volumeChart(weeks: Report['weeklyVolume'], summary: string): string {
  const id = 'chart-volume';
  const types = [...REQUEST_TYPE_VALUES];
  const data = weeks.map((w) => ({ start: w.from, ...w.counts }));
  const layers = stack<(typeof data)[number], string>().keys(types).value((d, key) => (d as unknown as Record<string, number>)[key] ?? 0)(data);
  const max = Math.max(1, ...weeks.map((w) => w.total));
  const legendHeight = 22;
  const x = scaleBand<string>().domain(data.map((d) => d.start)).range([M.left, W - M.right]).paddingInner(0.15);
  const y = scaleLinear().domain([0, max]).nice().range([H - M.bottom - legendHeight, M.top]);
  const labels = dateLabels(data.map((d) => d.start));
  return render(
    <Svg
      id={id}
      title="Requests received per week, by type"
      desc={summary}
      defs={types.map((t) => <Pattern key={t} id={`${id}-${t}`} {...TYPE_STYLE[t]!} />)}
    >
      <YAxis ticks={y.ticks(5).filter(Number.isInteger)} y={y} />
      {layers.map((layer) => (
        <g key={layer.key} fill={`url(#${id}-${layer.key})`}>
          {layer.map((segment, i) =>
            segment[1] > segment[0] ? (
              <rect key={i} x={x(data[i]!.start)} width={x.bandwidth()} y={y(segment[1])} height={y(segment[0]) - y(segment[1])} stroke="#fff" strokeWidth={0.5} />
            ) : null,
          )}
        </g>
      ))}
      {data.map((d) =>
        labels.has(d.start) ? (
          <text key={d.start} x={x(d.start)} y={H - M.bottom - legendHeight + 16} fill={INK}>
            {labels.get(d.start)}
          </text>
        ) : null,
      )}
      <g>
        {types.map((t, i) => {
          const lx = M.left + i * ((W - M.left - M.right) / types.length);
          return (
            <g key={t}>
              <rect x={lx} y={H - 24} width={14} height={14} fill={`url(#${id}-${t})`} stroke={INK} strokeWidth={0.5} />
              <text x={lx + 19} y={H - 12} fill={INK}>
                {requestTypeLabel(t).replace(/ \(Art\. \d+\)$/, '')}
              </text>
            </g>
          );
        })}
      </g>
    </Svg>,
  );
}

/** Answers by the share of the time allowed they used, with the deadline (100%) marked; late bins hatched. */
export function deadlineChart(bins: Report['deadlineHistogram'], summary: string): string {
  const id = 'chart-deadline';
  const max = Math.max(1, ...bins.map((b) => b.n));
  const x = scaleBand<string>().domain(bins.map((b) => b.label)).range([M.left, W - M.right]).paddingInner(0.1);
  const y = scaleLinear().domain([0, max]).nice().range([H - M.bottom, M.top]);
  const deadlineX = x(bins.find((b) => !b.onTime)!.label)! - (x.step() * x.paddingInner()) / 2;
  return render(
    <Svg
      id={id}
      title="Answers by the share of the time allowed they used"
      desc={summary}
      defs={
        <>
          <Pattern id={`${id}-on-time`} colour="#0072B2" pattern="solid" />
          <Pattern id={`${id}-late`} colour="#D55E00" pattern="diagonal" />
        </>
      }
    >
      <YAxis ticks={y.ticks(5).filter(Number.isInteger)} y={y} />
      {bins.map((b) =>
        b.n > 0 ? (
          <g key={b.label}>
            <rect x={x(b.label)} width={x.bandwidth()} y={y(b.n)} height={y(0) - y(b.n)} fill={`url(#${id}-${b.onTime ? 'on-time' : 'late'})`} />
            <text x={x(b.label)! + x.bandwidth() / 2} y={y(b.n) - 4} textAnchor="middle" fill={INK}>
              {b.n}
            </text>
          </g>
        ) : null,
      )}
      {/* The last bin (over 200%) is labelled at its middle below, not at its edge: the two would overlap. */}
      {bins.map((b, i) =>
        i % 5 === 0 && i < bins.length - 1 ? (
          <text key={b.label} x={x(b.label)} y={H - M.bottom + 16} textAnchor="middle" fill={INK}>
            {`${b.from === 0 ? 0 : b.from - 1}%`}
          </text>
        ) : null,
      )}
      <text x={x(bins.at(-1)!.label)! + x.bandwidth() / 2} y={H - M.bottom + 16} textAnchor="middle" fill={INK}>
        &gt;200%
      </text>
      <line x1={deadlineX} x2={deadlineX} y1={M.top - 8} y2={H - M.bottom} stroke={INK} strokeWidth={2} strokeDasharray="6 4" />
      <text x={deadlineX + 6} y={M.top - 12} fill={INK} fontWeight="bold">
        Deadline (100% of the time allowed)
      </text>
      <g>
        <rect x={M.left} y={H - 24} width={14} height={14} fill={`url(#${id}-on-time)`} stroke={INK} strokeWidth={0.5} />
        <text x={M.left + 19} y={H - 12} fill={INK}>
          On time
        </text>
        <rect x={M.left + 110} y={H - 24} width={14} height={14} fill={`url(#${id}-late)`} stroke={INK} strokeWidth={0.5} />
        <text x={M.left + 129} y={H - 12} fill={INK}>
          Late (hatched)
        </text>
        <text x={W - M.right} y={H - 12} textAnchor="end" fill={INK}>
          Share of the time allowed used
        </text>
      </g>
    </Svg>,
  );
}

/** The share of each month's answers given on time, written above each bar. */
export function onTimeChart(months: Report['onTimeByMonth'], summary: string): string {
  const id = 'chart-on-time';
  const x = scaleBand<string>().domain(months.map((m) => m.start)).range([M.left, W - M.right]).paddingInner(0.2);
  const y = scaleLinear().domain([0, 100]).range([H - M.bottom, M.top]);
  return render(
    <Svg id={id} title="Answers given on time, by month" desc={summary} defs={<Pattern id={`${id}-bar`} colour="#0072B2" pattern="solid" />}>
      <YAxis ticks={[0, 25, 50, 75, 100]} y={y} format={(v) => `${v}%`} />
      {months.map((m) => (
        <g key={m.start}>
          {m.onTimePercent !== null ? (
            <rect x={x(m.start)} width={x.bandwidth()} y={y(m.onTimePercent)} height={y(0) - y(m.onTimePercent)} fill={`url(#${id}-bar)`} />
          ) : null}
          <text x={x(m.start)! + x.bandwidth() / 2} y={m.onTimePercent !== null ? y(m.onTimePercent) - 4 : y(0) - 4} textAnchor="middle" fill={INK}>
            {m.onTimePercent !== null ? `${Math.round(m.onTimePercent)}%` : 'none'}
          </text>
          <text x={x(m.start)! + x.bandwidth() / 2} y={H - M.bottom + 16} textAnchor="middle" fill={INK}>
            {months.length > 13 ? shortMonth(m.start).slice(0, 1) : shortMonth(m.start)}
          </text>
        </g>
      ))}
      <text x={M.left} y={H - 12} fill={INK}>
        Bars: share of the month&apos;s answers given by the due date; &quot;none&quot;: no answers that month
      </text>
    </Svg>,
  );
}

/** Verified requests open at the end of each week: a line over a shaded area, first, highest and last labelled. */
export function backlogChart(points: Report['backlog'], summary: string): string {
  const id = 'chart-backlog';
  const max = Math.max(1, ...points.map((p) => p.open));
  const x = scalePoint<string>().domain(points.map((p) => p.end)).range([M.left + 8, W - M.right - 8]);
  const y = scaleLinear().domain([0, max]).nice().range([H - M.bottom, M.top]);
  const path = line<(typeof points)[number]>().x((p) => x(p.end)!).y((p) => y(p.open))(points) ?? '';
  const shade = area<(typeof points)[number]>().x((p) => x(p.end)!).y0(y(0)).y1((p) => y(p.open))(points) ?? '';
  const labels = dateLabels(points.map((p) => p.end));
  const highest = points.reduce<(typeof points)[number] | undefined>((best, p) => (!best || p.open > best.open ? p : best), undefined);
  const marked = [points[0], highest, points.at(-1)].filter((p, i, all): p is (typeof points)[number] => !!p && all.indexOf(p) === i);
  return render(
    <Svg id={id} title="Requests open at the end of each week" desc={summary}>
      <YAxis ticks={y.ticks(5).filter(Number.isInteger)} y={y} />
      {points.length > 0 ? (
        <>
          <path d={shade} fill="#0072B2" fillOpacity={0.15} />
          <path d={path} fill="none" stroke="#0072B2" strokeWidth={2.5} />
          {marked.map((p) => (
            <g key={p.end}>
              <circle cx={x(p.end)} cy={y(p.open)} r={4} fill={INK} />
              <text x={x(p.end)} y={y(p.open) - 8} textAnchor="middle" fill={INK} fontWeight="bold">
                {p.open}
              </text>
            </g>
          ))}
        </>
      ) : null}
      {points.map((p) =>
        labels.has(p.end) ? (
          <text key={p.end} x={x(p.end)} y={H - M.bottom + 16} textAnchor="middle" fill={INK}>
            {labels.get(p.end)}
          </text>
        ) : null,
      )}
      <text x={M.left} y={H - 12} fill={INK}>
        Open (received and verified, not yet closed) at the end of each week; dots: first, highest and last
      </text>
    </Svg>,
  );
}
