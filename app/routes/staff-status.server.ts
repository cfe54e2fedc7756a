/** Helpers of the staff status console's routes. */
import type { DB } from '../../db/client';
import { listComponents } from '~/models/status/components.server';
import { effectiveStatus } from '~/models/status/rules';
import { formatInstant } from '~/utils/i18n';

export async function staffComponents(db: DB, now = new Date()) {
  const rows = await listComponents(db);
  const groups = new Map(rows.filter((r) => r.isGroup).map((g) => [g.id, g.name]));
  return {
    groups: rows.filter((r) => r.isGroup).map((g) => ({ id: g.id, name: g.name, position: g.position })),
    components: rows
      .filter((r) => !r.isGroup)
      .map((c) => ({ id: c.id, name: c.name, group: c.groupId ? (groups.get(c.groupId) ?? null) : null, status: effectiveStatus(c, now) as string })),
  };
}

/** An instant for staff: "2 March 2026 at 14:05 (Greenwich Mean Time)". */
export function staffWhen(date: Date, timeZone: string) {
  return formatInstant('en', date.toISOString(), timeZone);
}
