import { json, type LoaderFunctionArgs } from '@remix-run/node';
import { recordAudit } from '~/models/audit.server';
import { parseRecordQuery, processingRecord, type ProcessingRecord, type RecordQuery } from '~/models/datamap/record.server';
import { requireStaff, type SessionUser } from '~/utils/auth.server';
import { CATALOGS, formatDay, tFor } from '~/utils/i18n';

/** The record's pages and exports share this: staff only; a bad query is a 400 naming what is wrong. */
export async function loadRecord(
  { request, context }: LoaderFunctionArgs,
  audit?: 'record.exported' | 'record.printed',
  format?: string,
): Promise<{ staff: SessionUser; query: RecordQuery; record: ProcessingRecord; search: string }> {
  const staff = await requireStaff(request, context);
  const url = new URL(request.url);
  const parsed = parseRecordQuery(url.searchParams, context.config.timeZone);
  if (!parsed.ok) throw json({ error: parsed.error }, { status: 400 });
  const record = await processingRecord(context.db, parsed.query, { organisation: context.config.organisation, timeZone: context.config.timeZone });
  if (audit) {
    await recordAudit(context.db, {
      actorId: staff.id,
      ip: context.clientIp,
      action: audit,
      targetType: 'record_of_processing',
      details: { date: parsed.query.date, view: parsed.query.view, lang: parsed.query.lang, ...(format ? { format } : {}), activities: record.rows.length },
    });
  }
  const search = new URLSearchParams({ at: parsed.query.date, view: parsed.query.view, lang: parsed.query.lang }).toString();
  return { staff, query: parsed.query, record, search };
}

export function recordTexts(record: ProcessingRecord, orgName: string) {
  const t = tFor(record.lang);
  const labels = CATALOGS[record.lang].processing.record;
  return {
    labels,
    title: record.view === 'processor' ? labels.titleProcessor : labels.title,
    lead: t(record.view === 'processor' ? 'processing.record.leadProcessor' : 'processing.record.lead', { org: orgName }),
    dateLabel: t('processing.record.asOf', { date: formatDay(record.lang, record.date) }),
  };
}
