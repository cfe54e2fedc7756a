import { json } from '@remix-run/node';
import type { DB } from '../../db/client';
import { changedFigures, listPublishedYears, publishedVersions } from '~/models/reports/transparency.server';
import { todayIn } from '~/utils/calendar';
import { invariantResponse } from '~/utils/invariant';

/**
 * The public report of one published year (the latest, when `year` is undefined), as one of
 * its versions (the latest unless `version` names an earlier one). 404 before anything is
 * published, and for a year or version that was not.
 */
export async function loadTransparency(db: DB, timeZone: string, year: number | undefined, versionParam: string | null) {
  const years = await listPublishedYears(db);
  invariantResponse(years.length > 0, 'Not found', { status: 404 });
  const chosen = year ?? years[0]!.year;
  const versions = await publishedVersions(db, chosen);
  invariantResponse(versions.length > 0, 'Not found', { status: 404 });
  const index = versionParam === null ? 0 : versions.findIndex((v) => String(v.version) === versionParam);
  invariantResponse(index >= 0, 'Not found', { status: 404 });
  const shown = versions[index]!;
  const previous = versions[index + 1];
  const day = (iso: string) => todayIn(timeZone, new Date(iso));
  return json({
    year: chosen,
    years: years.map((y) => y.year),
    version: shown.version,
    isLatest: index === 0,
    publishedOn: day(shown.publishedAt),
    correctionReason: shown.correctionReason,
    changes: previous ? changedFigures(previous.figures, shown.figures) : [],
    figures: shown.figures,
    versions: versions.map((v) => ({ version: v.version, publishedOn: day(v.publishedAt) })),
  });
}
