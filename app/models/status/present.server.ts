/**
 * The status page's data in the reader's language, formatted on the server (the public pages
 * ship no script): dates and times in PORTAL_TIMEZONE with the zone named, bar labels in words.
 */
import type { IncidentRow } from '~/models/status/incidents.server';
import type { ComponentBars, StatusView } from '~/models/status/page.server';
import { displayUptime } from '~/models/status/uptime';
import { dateTimeFormat } from '~/utils/intl';
import { formatDay, formatInstant, tFor, type Language } from '~/utils/i18n';
import type { BarView, IncidentView, StatusName } from '~/components/status-ui';

const LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR' };

/** "Greenwich Mean Time" / "Mitteleuropäische Normalzeit" at `now`, and the zone's id. */
export function zoneName(lang: Language, timeZone: string, now: Date) {
  const part = dateTimeFormat(LOCALES[lang], { timeZone, timeZoneName: 'long' })
    .formatToParts(now)
    .find((p) => p.type === 'timeZoneName');
  return { zone: part?.value ?? timeZone, id: timeZone };
}

export function presentIncident(i: IncidentRow, lang: Language, timeZone: string, names: Map<string, string>): IncidentView {
  const t = tFor(lang);
  const when = (d: Date) => formatInstant(lang, d.toISOString(), timeZone);
  const statusWord = (s: string) => t(`serviceStatus.statuses.${s}`);
  return {
    id: i.id,
    kind: i.kind,
    name: i.name,
    impact: i.impact,
    status: i.status,
    components: i.componentIds.map((id) => names.get(id) ?? id),
    window: i.scheduledFor && i.scheduledUntil ? t('serviceStatus.window', { from: when(i.scheduledFor), until: when(i.scheduledUntil) }) : null,
    updates: i.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      when: when(u.createdAt),
      changes: u.affected
        .filter((a) => a.old_status !== a.new_status)
        .map((a) => t('serviceStatus.componentChange', { name: a.name, from: statusWord(a.old_status), to: statusWord(a.new_status) })),
    })),
  };
}

export type ComponentPanel = {
  id: string;
  name: string;
  description: string | null;
  status: StatusName;
  uptime: string | null;
  since: string;
  bars: BarView[];
};
export type GroupPanel = { id: string | null; name: string | null; status: StatusName; components: ComponentPanel[] };

/** Groups in order, each with its components; ungrouped components sit in a group without a name. */
export function presentComponents(view: StatusView, bars: ComponentBars[], lang: Language): GroupPanel[] {
  const t = tFor(lang);
  const barsOf = new Map(bars.map((b) => [b.componentId, b]));
  const visible = (c: StatusView['components'][number]) => !c.onlyShowIfDegraded || c.current !== 'operational';
  const panel = (c: StatusView['components'][number]): ComponentPanel => {
    const b = barsOf.get(c.id);
    const statusWord = (s: string) => t(`serviceStatus.statuses.${s}`);
    return {
      id: c.id,
      name: c.name,
      description: c.description,
      status: c.current,
      uptime: displayUptime(b?.uptime ?? null),
      since: t('serviceStatus.since', { date: formatDay(lang, c.startDate) }),
      bars: (b?.bars ?? []).map((bar) => {
        const date = formatDay(lang, bar.date);
        const label = bar.beforeStart
          ? t('serviceStatus.dayBeforeStart', { date })
          : bar.uptime === null
            ? t('serviceStatus.day', { date, status: statusWord(bar.worst) })
            : t('serviceStatus.dayUptime', { date, status: statusWord(bar.worst), value: displayUptime(bar.uptime) });
        return { date: bar.date, status: bar.worst, label };
      }),
    };
  };
  const groups: GroupPanel[] = [];
  const loose = view.components.filter((c) => !c.isGroup && !c.groupId && visible(c));
  if (loose.length) groups.push({ id: null, name: null, status: 'operational', components: loose.map(panel) });
  for (const g of view.components.filter((c) => c.isGroup)) {
    const members = view.components.filter((c) => c.groupId === g.id && visible(c));
    if (members.length === 0) continue;
    groups.push({ id: g.id, name: g.name, status: g.current, components: members.map(panel) });
  }
  return groups;
}
