import type { DB } from '../../../db/client';
import type { TransparencyCorrectionReason } from '../../../db/schema';
import { recordAudit, type Actor } from '~/models/audit.server';
import { REQUEST_TYPE_VALUES } from '~/models/requests/request-types';
import { todayIn } from '~/utils/calendar';
import { ensureReportCells, readSums } from '~/models/reports/cells.server';
import { byType, disclosureOf, type DisclosureRow } from '~/models/reports/figures';
import { changedFigures, type YearFigures } from '~/models/reports/transparency';

/**
 * The public yearly report (/transparency): per right, the figures the CCPA regulations ask
 * large businesses to publish (§7102(a)): received, complied with in whole or in part, denied,
 * median and mean days to respond. Off until an admin publishes a finished year; each
 * publication is a frozen snapshot, and a correction is a new version saying why and what it
 * changed. A snapshot holds counts only: nothing about any person.
 */

export { changedFigures, CORRECTION_REASONS, FIGURE_KEYS, type FigureChange, type YearFigures } from '~/models/reports/transparency';
export type { TransparencyCorrectionReason };

export type PublishedVersion = {
  version: number;
  publishedAt: string;
  correctionReason: TransparencyCorrectionReason | null;
  figures: YearFigures;
};

export class TransparencyError extends Error {
  override name = 'TransparencyError';
}

/** A year's figures as they stand now, summed from report_cells. */
export async function yearFigures(db: DB, year: number, options: { timeZone: string }): Promise<YearFigures> {
  await ensureReportCells(db, options.timeZone);
  const rows = await readSums(db, { timeZone: options.timeZone }, { from: `${year}-01-01`, to: `${year}-12-31` });
  const perType = byType(rows);
  const round = (row: DisclosureRow): DisclosureRow => ({
    ...row,
    // One decimal is what the page shows; the snapshot holds exactly what was published.
    medianDays: row.medianDays === null ? null : Math.round(row.medianDays * 10) / 10,
    meanDays: row.meanDays === null ? null : Math.round(row.meanDays * 10) / 10,
  });
  return {
    format: 'privacy-portal/transparency/v1',
    year,
    timeZone: options.timeZone,
    rights: Object.fromEntries(REQUEST_TYPE_VALUES.map((t) => [t, round(disclosureOf(perType[t] ?? []))])),
    total: round(disclosureOf(rows)),
  };
}

function finishedYear(year: number, timeZone: string, now: Date) {
  const current = Number(todayIn(timeZone, now).slice(0, 4));
  if (!Number.isInteger(year) || year < 2000 || year >= current) {
    throw new TransparencyError(`Only a finished year can be published: choose ${current - 1} or earlier`);
  }
}

async function latestVersion(db: DB, year: number) {
  return db
    .selectFrom('transparency_reports')
    .select(['version', 'figures'])
    .where('year', '=', year)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Publishes a finished year (version 1): its figures are frozen from now on. Audited. */
export async function publishYear(db: DB, actor: Actor, year: number, options: { timeZone: string; now?: Date }) {
  finishedYear(year, options.timeZone, options.now ?? new Date());
  const figures = await yearFigures(db, year, options);
  return db.transaction().execute(async (trx) => {
    if (await latestVersion(trx, year)) throw new TransparencyError(`${year} is already published; publish a correction instead`);
    await trx
      .insertInto('transparency_reports')
      .values({ year, version: 1, figures: JSON.stringify(figures), published_by: actor.id, published_at: options.now ?? new Date() })
      .execute();
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'transparency.published', targetType: 'transparency_report', targetId: String(year), details: { version: 1 } });
    return figures;
  });
}

/**
 * Publishes the year's figures as they stand now as a correction (a new version), with the
 * reason; refused when nothing changed. The earlier versions stay as they were published.
 */
export async function publishCorrection(
  db: DB,
  actor: Actor,
  year: number,
  reason: TransparencyCorrectionReason,
  options: { timeZone: string; now?: Date },
) {
  const figures = await yearFigures(db, year, options);
  return db.transaction().execute(async (trx) => {
    const latest = await latestVersion(trx, year);
    if (!latest) throw new TransparencyError(`${year} has not been published yet`);
    if (changedFigures(latest.figures as YearFigures, figures).length === 0) {
      throw new TransparencyError(`The figures for ${year} have not changed since version ${latest.version}: there is nothing to correct`);
    }
    const version = latest.version + 1;
    await trx
      .insertInto('transparency_reports')
      .values({ year, version, figures: JSON.stringify(figures), correction_reason: reason, published_by: actor.id, published_at: options.now ?? new Date() })
      .execute();
    await recordAudit(trx, { actorId: actor.id, ip: actor.ip, action: 'transparency.corrected', targetType: 'transparency_report', targetId: String(year), details: { version, reason } });
    return figures;
  });
}

/** The years published, newest first, with their latest version. */
export async function listPublishedYears(db: DB): Promise<{ year: number; version: number; publishedAt: string }[]> {
  const rows = await db
    .selectFrom('transparency_reports')
    .select(['year', 'version', 'published_at'])
    .distinctOn('year')
    .orderBy('year', 'desc')
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({ year: r.year, version: r.version, publishedAt: new Date(r.published_at).toISOString() }));
}

/** Every published version of a year, newest first; empty when it was never published. */
export async function publishedVersions(db: DB, year: number): Promise<PublishedVersion[]> {
  if (!Number.isInteger(year)) return [];
  const rows = await db
    .selectFrom('transparency_reports')
    .select(['version', 'published_at', 'correction_reason', 'figures'])
    .where('year', '=', year)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({
    version: r.version,
    publishedAt: new Date(r.published_at).toISOString(),
    correctionReason: r.correction_reason,
    figures: r.figures as YearFigures,
  }));
}
