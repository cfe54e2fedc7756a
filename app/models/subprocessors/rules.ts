import type { TFunction } from 'i18next';
import type { SubprocessorChangeKind, SubprocessorDetails } from '../../../db/schema';

/**
 * Pure rules of the subprocessor registry: the list as of a date, planned changes, notice
 * periods. Calendar arithmetic is in ~/utils/calendar. No database here.
 */

export const TRANSFER_MECHANISMS = {
  'eea-only': 'No transfer: processed within the EEA',
  adequacy: 'Adequacy decision (Art. 45)',
  'eu-us-dpf': 'EU-US Data Privacy Framework (adequacy decision)',
  sccs: 'Standard Contractual Clauses (Art. 46(2)(c))',
  bcrs: 'Binding Corporate Rules (Art. 47)',
} as const;
export type TransferMechanism = keyof typeof TRANSFER_MECHANISMS;

export type RegistryChange = {
  id: string;
  subprocessorId: string;
  slug: string;
  kind: SubprocessorChangeKind;
  effectiveOn: string;
  details: SubprocessorDetails | null;
  summary: string;
  announcedAt: Date;
};

export type RegistryEntry = SubprocessorDetails & { subprocessorId: string; slug: string; since: string };

import { addDays, isIsoDate, todayIn } from '~/utils/calendar';
import { DEFAULT_LANGUAGE, formatDay, type Language } from '~/utils/i18n';

export { addDays, isIsoDate, startOfDayIn, todayIn } from '~/utils/calendar';

const byEffective = (a: RegistryChange, b: RegistryChange) =>
  a.effectiveOn.localeCompare(b.effectiveOn) || Number(a.id) - Number(b.id);

/**
 * The registry as it stood at the end of `date`: for each subprocessor the latest change
 * effective on or before that date; removed ones drop out. `since` is when the subprocessor was
 * first used, kept when it leaves and returns (its history shows the gap).
 */
export function registryAsOf(changes: RegistryChange[], date: string): RegistryEntry[] {
  const state = new Map<string, RegistryEntry>();
  const firstUsed = new Map<string, string>();
  for (const change of [...changes].sort(byEffective)) {
    if (change.effectiveOn > date) break;
    if (change.kind === 'removed' || !change.details) {
      state.delete(change.subprocessorId);
      continue;
    }
    if (!firstUsed.has(change.subprocessorId)) firstUsed.set(change.subprocessorId, change.effectiveOn);
    state.set(change.subprocessorId, {
      ...change.details,
      subprocessorId: change.subprocessorId,
      slug: change.slug,
      since: firstUsed.get(change.subprocessorId)!,
    });
  }
  return [...state.values()].sort((a, b) => a.name.localeCompare(b.name, 'en'));
}

/** Changes announced but not yet in effect on `today`, soonest first. */
export function plannedChanges(changes: RegistryChange[], today: string): RegistryChange[] {
  return changes.filter((c) => c.effectiveOn > today).sort(byEffective);
}

/** Changes in effect by `date`, newest first: the dated history. */
export function pastChanges(changes: RegistryChange[], date: string): RegistryChange[] {
  return changes
    .filter((c) => c.effectiveOn <= date)
    .sort(byEffective)
    .reverse();
}

/** The day the list last changed as of `today`: the latest effective date not after it. */
export function lastChangeDate(changes: RegistryChange[], today: string): string | undefined {
  return pastChanges(changes, today)[0]?.effectiveOn;
}

/** The day (in `timeZone`) of the latest announcement made by the end of `date`. */
export function lastAnnouncementDate(changes: RegistryChange[], date: string, timeZone: string): string | undefined {
  return changes
    .map((c) => todayIn(timeZone, c.announcedAt))
    .filter((d) => d <= date)
    .sort()
    .at(-1);
}

/**
 * The earliest effective date a change may be given. Additions and changes to an existing
 * subprocessor need the notice period (Art. 28(2)); a removal or a correction that does not
 * change the processing may take effect today.
 */
export function earliestEffectiveDate(options: {
  kind: SubprocessorChangeKind;
  today: string;
  noticeDays: number;
  correction?: boolean;
}): string {
  if (options.kind === 'removed' || options.correction) return options.today;
  return addDays(options.today, options.noticeDays);
}

export function effectiveDateError(options: {
  kind: SubprocessorChangeKind;
  effectiveOn: string;
  today: string;
  noticeDays: number;
  correction?: boolean;
}): string | undefined {
  if (!isIsoDate(options.effectiveOn)) return 'Enter a date as YYYY-MM-DD';
  const earliest = earliestEffectiveDate(options);
  if (options.effectiveOn >= earliest) return undefined;
  return earliest === options.today
    ? 'The date cannot be in the past'
    : `Customers are owed ${options.noticeDays} days' notice: choose ${earliest} or later`;
}

/** Objections are accepted until the day before a change takes effect. */
export function isOpenForObjection(change: Pick<RegistryChange, 'effectiveOn' | 'kind'>, today: string): boolean {
  return change.kind !== 'removed' && change.effectiveOn > today;
}

export function describeChange(change: Pick<RegistryChange, 'kind'>, name: string): string {
  const verb = { added: 'Addition of', updated: 'Change to', removed: 'Removal of' }[change.kind];
  return `${verb} ${name}`;
}

export function changeTitle(change: Pick<RegistryChange, 'kind' | 'effectiveOn'> & { name: string }, today: string) {
  // Prose gets the people's date ("1 February 2026"), never the ISO form.
  const day = formatDay('en', change.effectiveOn);
  const when = change.effectiveOn > today ? `takes effect ${day}` : `effective ${day}`;
  return `${describeChange(change, change.name)}: ${when}`;
}

/** The summary the portal itself writes for an addition (staff write the others'), stored in English. */
export function additionSummary(d: Pick<SubprocessorDetails, 'name' | 'legalEntity' | 'purpose'>): string {
  return `${d.name} (${d.legalEntity}) will process data for: ${d.purpose}`;
}

/**
 * A change's summary for a reader: an addition's own generated summary is said in the reader's
 * language; words staff wrote are shown as written.
 */
export function changeSummary(
  t: TFunction,
  change: { kind: SubprocessorChangeKind; summary: string; details: Pick<SubprocessorDetails, 'name' | 'legalEntity' | 'purpose'> | null },
): string {
  const d = change.details;
  if (change.kind !== 'added' || !d || change.summary !== additionSummary(d)) return change.summary;
  return t('registry.addedSummary', { name: d.name, entity: d.legalEntity, purpose: d.purpose });
}

/** The `?lng=` the feeds in `lang` are reached by; English, the default, has none. */
export function feedQuery(lang: Language): string {
  return lang === DEFAULT_LANGUAGE ? '' : `?lng=${lang}`;
}

export function slugify(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean)
      .join('-')
      .slice(0, 60) || 'subprocessor'
  );
}
