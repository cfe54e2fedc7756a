import type { DB } from '../../../db/client';
import { recordAudit, type Actor } from '~/models/audit.server';
import { localDate } from '~/models/requests/deadlines';
import { STATE_LABELS } from '~/models/requests/lifecycle';
import { requestTypeLabel } from '~/models/requests/request-types';
import { listQueue, type QueueFilter } from '~/models/requests/staff.server';
import { csvLine } from '~/utils/csv';

/**
 * The staff queue as CSV: every page of the view the filter describes (not only the page on
 * screen), in the queue's order, up to QUEUE_EXPORT_LIMIT rows. Every cell goes through
 * `csvCell`, so a name typed as `=HYPERLINK(…)` stays text in a spreadsheet. Each download is
 * audited with the filter and the row count; the search text is recorded only as "a search was
 * used", because it is often a name or an address and the audit trail is never erased.
 */
export const QUEUE_EXPORT_LIMIT = 10_000;
const EXPORT_PAGE = 500;

export const QUEUE_CSV_HEADER = ['reference', 'type', 'state', 'received', 'due_date', 'days_left', 'name', 'email', 'assigned_to'];

export type QueueExport = { csv: string; rows: number; truncated: boolean };

export async function exportQueueCsv(
  db: DB,
  filter: QueueFilter,
  actor: Actor & { id: string },
  options: { timeZone: string; now?: Date },
): Promise<QueueExport> {
  const now = options.now ?? new Date();
  const lines = [csvLine(QUEUE_CSV_HEADER)];
  let after: string | undefined;
  let count = 0;
  let truncated = false;
  for (;;) {
    const page = await listQueue(db, { ...filter, after }, { staffId: actor.id, timeZone: options.timeZone, now, pageSize: EXPORT_PAGE });
    for (const r of page.rows) {
      if (count === QUEUE_EXPORT_LIMIT) {
        truncated = true;
        break;
      }
      count++;
      lines.push(
        csvLine([
          r.reference,
          requestTypeLabel(r.type),
          STATE_LABELS[r.state],
          r.receivedAt ? localDate(new Date(r.receivedAt), options.timeZone) : '',
          r.dueDate,
          r.daysLeft,
          r.name,
          r.email,
          r.assignee ?? '',
        ]),
      );
    }
    if (truncated || !page.next) break;
    after = page.next;
  }
  await recordAudit(db, {
    actorId: actor.id,
    ip: actor.ip ?? null,
    action: 'request.queue_exported',
    details: {
      state: filter.state,
      type: filter.type ?? null,
      assignee: filter.assignee ?? null,
      due: filter.due ?? null,
      within: filter.within ?? null,
      search: Boolean(filter.q),
      rows: count,
      truncated,
    },
  });
  return { csv: lines.join(''), rows: count, truncated };
}

/** The query string of the export link for the view on screen (every page: no `after`). */
export function queueExportQuery(filter: QueueFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    if (key === 'after' || value === undefined || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
