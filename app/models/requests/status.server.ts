import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { isClockPaused } from '~/models/requests/lifecycle';
import { listAttachments } from '~/models/requests/attachments.server';
import { availableActions } from '~/models/requests/lifecycle';
import { getSubjectTimeline } from '~/models/requests/requests.server';

/** Everything the subject's status page shows about one request, and nothing staff-only. */
export async function getSubjectStatus(db: DB, request: RequestRow) {
  const [timeline, attachments] = await Promise.all([getSubjectTimeline(db, request.id), listAttachments(db, request.id)]);
  return {
    request: {
      reference: request.reference,
      type: request.type,
      state: request.state,
      createdAt: request.created_at.toISOString(),
      receivedAt: request.received_at?.toISOString() ?? null,
      dueDate: request.due_date,
      paused: isClockPaused(request.state),
      extensionMonths: request.extension_months,
      extensionReason: request.extension_reason,
      details: request.details,
    },
    actions: availableActions(request.state, 'subject'),
    timeline: timeline.map((e) => ({ id: e.id, at: e.at.toISOString(), kind: e.kind, note: e.note })),
    attachments: attachments.map((a) => ({
      id: a.id,
      eventId: a.event_id,
      filename: a.filename,
      size: a.size,
      contentType: a.content_type,
    })),
  };
}

export type SubjectStatus = Awaited<ReturnType<typeof getSubjectStatus>>;
