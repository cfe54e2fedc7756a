import { Link } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';

/**
 * The status page's pieces. A status is never told by colour alone: every badge and bar has a
 * symbol or pattern and words (visible, or read out by screen readers).
 */
export type StatusName = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance' | 'no_data';

const SYMBOLS: Record<StatusName, string> = {
  operational: '✓',
  degraded_performance: '!',
  partial_outage: '◐',
  major_outage: '✕',
  under_maintenance: '⚙',
  no_data: '?',
};

export function StatusBadge({ status }: { status: StatusName }) {
  const { t } = useTranslation();
  return (
    <span className={`status-badge status-${status}`}>
      <span aria-hidden="true" className="status-symbol">
        {SYMBOLS[status]}
      </span>{' '}
      {t(`serviceStatus.statuses.${status}`)}
    </span>
  );
}

export type BarView = { date: string; status: StatusName; label: string };

/** One component's days, oldest first: a pattern per status, each day's words in the list. */
export function UptimeBars({ label, bars, oldestLabel }: { label: string; bars: BarView[]; oldestLabel: string }) {
  const { t } = useTranslation();
  return (
    <div className="bars-wrap">
      <ol className="bars" aria-label={label}>
        {bars.map((bar) => (
          <li key={bar.date} className={`bar bar-${bar.status}`} title={bar.label}>
            <span className="visually-hidden">{bar.label}</span>
          </li>
        ))}
      </ol>
      <p className="bars-scale" aria-hidden="true">
        <span>{oldestLabel}</span>
        <span>{t('serviceStatus.today')}</span>
      </p>
    </div>
  );
}

export function BarsLegend() {
  const { t } = useTranslation();
  const statuses: StatusName[] = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', 'no_data'];
  return (
    <div className="bars-legend">
      <h3>{t('serviceStatus.legend')}</h3>
      <ul>
        {statuses.map((s) => (
          <li key={s}>
            <span className={`swatch bar-${s}`} aria-hidden="true" /> {t(`serviceStatus.statuses.${s}`)}
          </li>
        ))}
      </ul>
    </div>
  );
}

export type UpdateView = { id: string; status: string; body: string; when: string; changes: string[] };
export type IncidentView = {
  id: string;
  kind: 'incident' | 'maintenance';
  name: string;
  impact: string;
  status: string;
  components: string[];
  window: string | null;
  updates: UpdateView[];
};

/** An incident or maintenance with its updates, newest first, each timestamped. */
export function IncidentCard({ incident, headingLevel = 3, link = true }: { incident: IncidentView; headingLevel?: 2 | 3; link?: boolean }) {
  const { t } = useTranslation();
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <article className={`incident impact-${incident.impact}`} aria-labelledby={`incident-${incident.id}`}>
      <Heading id={`incident-${incident.id}`}>
        {link ? <Link to={`/service-status/incidents/${incident.id}`}>{incident.name}</Link> : incident.name}
      </Heading>
      <p className="incident-meta">
        <span className="impact-label">{t(`serviceStatus.impacts.${incident.impact}`)}</span> ·{' '}
        <strong>{t(`serviceStatus.incidentStatuses.${incident.status}`)}</strong>
        {incident.window ? <> · {incident.window}</> : null}
      </p>
      {incident.components.length ? <p>{t('serviceStatus.affects', { components: incident.components.join(', ') })}</p> : null}
      <ol className="updates">
        {incident.updates.map((u) => (
          <li key={u.id} id={`update-${u.id}`}>
            <p className="update-head">
              <strong>{t(`serviceStatus.incidentStatuses.${u.status}`)}</strong> — <span className="muted">{u.when}</span>
            </p>
            <p className="preserve">{u.body}</p>
            {u.changes.length ? (
              <ul className="update-changes">
                {u.changes.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ol>
    </article>
  );
}
