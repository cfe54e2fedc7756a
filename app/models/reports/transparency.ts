import type { TransparencyCorrectionReason } from '../../../db/schema';
import { REQUEST_TYPE_VALUES } from '~/models/requests/request-types';
import type { DisclosureRow } from '~/models/reports/figures';

/**
 * The public yearly report's shape and its pure rules, apart from transparency.server.ts so
 * the admin page's component and form schema can use them in the browser too (a `.server`
 * module is empty there).
 */

export const CORRECTION_REASONS = ['records_added_late', 'recording_error', 'counting_error'] as const satisfies readonly TransparencyCorrectionReason[];

export const FIGURE_KEYS = ['received', 'compliedWith', 'denied', 'medianDays', 'meanDays'] as const satisfies readonly (keyof DisclosureRow)[];

export type YearFigures = {
  format: 'privacy-portal/transparency/v1';
  year: number;
  /** PORTAL_TIMEZONE the year's days were counted in. */
  timeZone: string;
  rights: Record<string, DisclosureRow>;
  total: DisclosureRow;
};

export type FigureChange = { right: string; figure: (typeof FIGURE_KEYS)[number]; from: number | null; to: number | null };

/** What a correction changed, figure by figure (`right` is a type or `total`). */
export function changedFigures(before: YearFigures, after: YearFigures): FigureChange[] {
  const changes: FigureChange[] = [];
  for (const right of [...REQUEST_TYPE_VALUES, 'total'] as const) {
    const a = right === 'total' ? before.total : before.rights[right];
    const b = right === 'total' ? after.total : after.rights[right];
    for (const figure of FIGURE_KEYS) {
      const from = a?.[figure] ?? null;
      const to = b?.[figure] ?? null;
      if (from !== to) changes.push({ right, figure, from, to });
    }
  }
  return changes;
}
