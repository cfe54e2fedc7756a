import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import { isClockPaused } from '~/models/requests/lifecycle';
import { listAttachments } from '~/models/requests/attachments.server';
import { availableActions, TRANSITION_MESSAGES } from '~/models/requests/lifecycle';
import { getSubjectTimeline } from '~/models/requests/requests.server';
import { packageForSubject } from '~/models/requests/packages.server';
import { actsForAnotherPerson, subjectAddressOf } from '~/models/requests/authority';
import type { RequestPolicy } from '~/models/requests/policy';
import { levelStatus } from '~/models/requests/verification-levels.server';

/**
 * A transition's note starts with the portal's own English sentence for it (stored so the
 * staff view reads as it did); the subject sees that sentence from the catalog in their
 * language (`timeline.<action>`) and only what staff wrote after it as written.
 */
function splitNote(kind: string, note: string | null): { messageKey: string | null; note: string | null } {
  if (kind === 'submitted' || kind === 'logged') return { messageKey: 'timeline.submitted', note: null };
  if (kind === 'subject_confirmed') return { messageKey: 'timeline.subjectConfirmed', note: null };
  const standard = (TRANSITION_MESSAGES as Record<string, string>)[kind];
  if (!standard || !note?.startsWith(standard)) return { messageKey: null, note };
  const rest = note.slice(standard.length).trim();
  return { messageKey: `timeline.${kind}`, note: rest || null };
}

/** Everything the subject's status page shows about one request, and nothing staff-only. */
export async function getSubjectStatus(db: DB, request: RequestRow, rules: Pick<RequestPolicy, 'verificationLevels'> = {}) {
  const [timeline, attachments, accessPackage, level] = await Promise.all([
    getSubjectTimeline(db, request.id),
    listAttachments(db, request.id),
    packageForSubject(db, request.id),
    levelStatus(db, request, rules),
  ]);
  // Only a request still to be started waits on its identity level (issue 21.3).
  const waiting = level.step !== null && request.state === 'open';
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
      outcome: request.outcome,
      withheldReason: request.withheld_reason,
      details: request.details,
      name: request.name,
      scope: request.scope,
      periodFrom: request.period_from,
      periodTo: request.period_to,
      aliases: request.aliases,
      accountIdentifier: request.account_identifier,
      preferredFormat: request.preferred_format,
      country: request.country,
      subjectName: request.subject_name,
      agentRelationship: request.agent_relationship,
    },
    actions: availableActions(request.state, 'subject'),
    /** What will raise the request to the level its type needs; null when nothing is owed. */
    identity: waiting ? { step: level.step!, email: subjectAddressOf(request), forAnotherPerson: actsForAnotherPerson(request) } : null,
    /** The access/portability package, when one was made: its state, never its bytes. */
    package: accessPackage,
    timeline: timeline.map((e) => ({ id: e.id, at: e.at.toISOString(), kind: e.kind, ...splitNote(e.kind, e.note) })),
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
