import { describeActivity, type DescribedActivity } from '~/models/datamap/describe';
import { currentActivities, ensurePortalSystem, loadVocabulary } from '~/models/datamap/map.server';
import { recipientNames } from '~/models/datamap/package.server';
import { addDays, isIsoDate, startOfDayIn, todayIn } from '~/utils/calendar';
import type { Organisation } from '~/utils/env.server';
import { tFor, type Language } from '~/utils/i18n';
import type { DB } from '../../../db/client';

/**
 * The Art. 30 record, generated from the data map: Art. 30(1) (this organisation as controller)
 * or Art. 30(2) (as a processor), as it stood at the end of any day. Each row is one processing
 * activity in the version that was in force then.
 */
export type RecordView = 'controller' | 'processor';
export type RecordRow = DescribedActivity & {
  activityId: string;
  version: number;
  recordedAt: string;
  system: string;
  security: string;
  controllerFor: string;
};
export type ProcessingRecord = {
  view: RecordView;
  date: string;
  lang: Language;
  controller: { name: string; address: string; email: string; dpo: string | null; representative: string | null };
  rows: RecordRow[];
};

export type RecordQuery = { date: string; view: RecordView; lang: Language };

/** `?at=YYYY-MM-DD&view=processor&lang=de` → a query, or what is wrong with it. */
export function parseRecordQuery(params: URLSearchParams, timeZone: string): { ok: true; query: RecordQuery } | { ok: false; error: string } {
  const today = todayIn(timeZone);
  const at = params.get('at') || today;
  if (!isIsoDate(at) || at < '2000-01-01') return { ok: false, error: 'The date must be a day as YYYY-MM-DD, from 2000-01-01.' };
  if (at > today) return { ok: false, error: 'The record can be shown as it stood on a past day or today, not a future one.' };
  const view = params.get('view') || 'controller';
  if (view !== 'controller' && view !== 'processor') return { ok: false, error: 'The view is controller (Art. 30(1)) or processor (Art. 30(2)).' };
  const lang = params.get('lang') || 'en';
  if (lang !== 'en' && lang !== 'de' && lang !== 'fr') return { ok: false, error: 'The language is en, de or fr.' };
  return { ok: true, query: { date: at, view, lang } };
}

export async function processingRecord(db: DB, query: RecordQuery, options: { organisation: Organisation; timeZone: string }): Promise<ProcessingRecord> {
  await ensurePortalSystem(db);
  const end = startOfDayIn(addDays(query.date, 1), options.timeZone);
  const [activities, vocabulary, names, systems] = await Promise.all([
    currentActivities(db, { at: end }),
    loadVocabulary(db),
    recipientNames(db),
    db.selectFrom('connected_systems').select(['id', 'security_measures']).execute(),
  ]);
  const security = new Map(systems.map((s) => [s.id, s.security_measures]));
  const t = tFor(query.lang);
  const org = options.organisation;
  return {
    view: query.view,
    date: query.date,
    lang: query.lang,
    controller: {
      name: org.name,
      address: org.postalAddress,
      email: org.privacyEmail,
      dpo: org.dpo ? (org.dpo.email ? `${org.dpo.name} <${org.dpo.email}>` : org.dpo.name) : null,
      representative: org.representative ?? null,
    },
    rows: activities
      .filter((a) => a.declaration.role === query.view)
      .map((a) => ({
        ...describeActivity(a.declaration, { lang: query.lang, t, vocabulary, recipientNames: names }),
        activityId: a.activityId,
        version: a.version,
        recordedAt: a.recordedAt.toISOString(),
        system: a.systemName,
        security: security.get(a.systemId) ?? '',
        controllerFor: a.declaration.controllerName,
      })),
  };
}

/** The columns of the CSV: every item of Art. 30(1)(a)–(g), one activity per row. */
export const RECORD_CSV_COLUMNS = [
  'controller_name',
  'controller_contact',
  'dpo',
  'representative',
  'activity',
  'system',
  'purposes',
  'legal_basis',
  'data_subjects',
  'data_categories',
  'recipients',
  'third_country_transfers',
  'retention',
  'security_measures',
  'controller_for',
  'version',
  'recorded_at',
] as const;

export function recordCsvRows(record: ProcessingRecord): string[][] {
  const c = record.controller;
  return record.rows.map((r) => [
    c.name,
    `${c.address}; ${c.email}`,
    c.dpo ?? '',
    c.representative ?? '',
    r.name,
    r.system,
    r.purpose,
    [r.legalBasis, r.specialCategoryCondition, r.legitimateInterest].filter(Boolean).join('; '),
    r.dataSubjects.join('; '),
    r.dataCategories.join('; '),
    r.recipients.join('; '),
    r.transfers.join('; '),
    r.retention,
    r.security,
    r.controllerFor,
    String(r.version),
    r.recordedAt,
  ]);
}
