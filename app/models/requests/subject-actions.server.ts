import type { DB } from '../../../db/client';
import type { RequestRow } from '../../../db/schema';
import type { Config } from '~/utils/env.server';
import { removeAttachment } from '~/models/requests/attachments.server';
import { requestPolicy } from '~/models/requests/policy';
import { IllegalTransitionError } from '~/models/requests/lifecycle';
import { RequestConflictError, withdrawRequest } from '~/models/requests/transitions.server';

export type SubjectActionResult = { ok: true } | { ok: false; status: 400 | 404 | 409; error: string };

/**
 * What a subject may do from their status page (withdraw, remove an attachment), for a
 * request the caller has already resolved from the private link or the signed-in account.
 */
export async function subjectStatusAction(
  deps: { db: DB; config: Config },
  input: { request: RequestRow; fields: Record<string, string>; userId: string | null },
): Promise<SubjectActionResult> {
  const { db, config } = deps;
  const { request, fields } = input;
  try {
    if (fields.intent === 'withdraw') {
      await withdrawRequest(db, { requestId: request.id, userId: input.userId }, { rules: requestPolicy(config) });
      return { ok: true };
    }
    if (fields.intent === 'remove-attachment') {
      const removed = await removeAttachment(db, { requestId: request.id, attachmentId: fields.attachmentId ?? '' });
      return removed ? { ok: true } : { ok: false, status: 404, error: 'That file is no longer attached.' };
    }
  } catch (error) {
    if (error instanceof IllegalTransitionError || error instanceof RequestConflictError) {
      return { ok: false, status: 409, error: 'This request can no longer be withdrawn.' };
    }
    throw error;
  }
  return { ok: false, status: 400, error: 'Unknown action.' };
}
