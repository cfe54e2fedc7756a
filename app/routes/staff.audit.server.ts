import { z } from 'zod';
import { addDays, isCalendarDate } from '~/utils/calendar';
import { searchTerm } from '~/utils/text';

const optionalText = z
  .string()
  .max(200)
  .optional()
  .transform((v) => (v ? searchTerm(v) || undefined : undefined));
const optionalDate = z
  .string()
  .trim()
  .optional()
  .refine((v) => !v || isCalendarDate(v), 'must be a date YYYY-MM-DD from 0001-01-01 to 9999-12-31')
  .transform((v) => (v ? v : undefined));

/**
 * The last instant a filter can name: the end of 9999-12-31. The day after it (year 10000) is a
 * time the embedded database refuses, and no event happens after it anyway.
 */
const LAST_INSTANT = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999));

/** The filter of /staff/audit as query parameters; dates are whole UTC days, `to` inclusive. */
export const auditQuerySchema = z.object({
  actor: optionalText.refine(
    (v) => !v || z.uuid().safeParse(v).success || z.email().safeParse(v).success,
    'must be an account email or id',
  ),
  action: optionalText,
  targetType: optionalText,
  targetId: optionalText,
  from: optionalDate,
  to: optionalDate,
  before: optionalText.refine((v) => !v || /^\d{1,18}$/.test(v), 'must be an event id'),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export type AuditQuery = z.infer<typeof auditQuerySchema>;

export function parseAuditQuery(url: URL) {
  const raw = Object.fromEntries([...url.searchParams.entries()].filter(([k]) => k in auditQuerySchema.shape));
  const parsed = auditQuerySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false as const, error: `${String(issue.path[0])} ${issue.message}` };
  }
  const q = parsed.data;
  const from = q.from ? dayStart(q.from) : undefined;
  const to = q.to ? dayAfter(q.to) : undefined;
  return {
    ok: true as const,
    query: q,
    filter: { actor: q.actor, action: q.action, targetType: q.targetType, targetId: q.targetId, from, to, before: q.before, limit: q.limit },
  };
}

const dayStart = (day: string) => new Date(`${day}T00:00:00.000Z`);
/** The instant a UTC day ends (exclusive), or the last instant there is. */
const dayAfter = (day: string) => (day >= '9999-12-31' ? LAST_INSTANT : dayStart(addDays(day, 1)));

/** How many days an export covers when the form leaves its dates empty. */
export const DEFAULT_EXPORT_DAYS = 30;

/**
 * The days an export covers: as given, or the last 30 (ending today, UTC) where a date was left
 * empty, so the export link on the page always downloads something.
 */
export function exportRange(query: AuditQuery, today: string): { fromDay: string; toDay: string; from: Date; to: Date } {
  const toDay = query.to ?? (query.from && query.from > today ? query.from : today);
  const back = addDays(toDay, 1 - DEFAULT_EXPORT_DAYS);
  const fromDay = query.from ?? (isCalendarDate(back) ? back : '0001-01-01');
  return { fromDay, toDay, from: dayStart(fromDay), to: dayAfter(toDay) };
}
