import { z } from 'zod';
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
  .refine((v) => !v || /^\d{4}-\d{2}-\d{2}$/.test(v), 'must be a date YYYY-MM-DD')
  .transform((v) => (v ? v : undefined));

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
  const dayStart = (d: string) => new Date(`${d}T00:00:00.000Z`);
  const from = q.from ? dayStart(q.from) : undefined;
  const to = q.to ? new Date(dayStart(q.to).getTime() + 86_400_000) : undefined;
  if ((from && Number.isNaN(from.getTime())) || (to && Number.isNaN(to.getTime()))) return { ok: false as const, error: 'not a calendar date' };
  return {
    ok: true as const,
    query: q,
    filter: { actor: q.actor, action: q.action, targetType: q.targetType, targetId: q.targetId, from, to, before: q.before, limit: q.limit },
  };
}
