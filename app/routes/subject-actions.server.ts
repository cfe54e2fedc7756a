import { z } from 'zod';
import type { AppLoadContext } from '@remix-run/node';
import type { RequestRow } from '../../db/schema';
import { removeAttachment } from '~/models/requests/attachments.server';
import { IllegalTransitionError } from '~/models/requests/lifecycle';
import { requestPolicy } from '~/models/requests/policy';
import { RequestConflictError, withdrawRequest } from '~/models/requests/transitions.server';
import { badRequest, parseForm } from '~/utils/form.server';

const schema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('withdraw') }),
  z.object({ intent: z.literal('remove-attachment'), attachmentId: z.string().optional().default('') }),
]);

/**
 * What a subject may do from their status page (withdraw, remove an attachment), shared by the
 * account route and the status-link route once each has checked whose request it is. Returns
 * null when done (the route redirects), else the FormState answer to send.
 */
export async function subjectStatusAction(
  context: Pick<AppLoadContext, 'db' | 'config'>,
  input: { request: RequestRow; httpRequest: Request; userId: string | null; headers?: HeadersInit },
): Promise<Response | null> {
  const { db, config } = context;
  const { request, headers } = input;
  const form = await parseForm(input.httpRequest, schema, { formError: 'Unknown action.', headers });
  if (!form.ok) return form.reply;
  try {
    if (form.data.intent === 'withdraw') {
      await withdrawRequest(db, { requestId: request.id, userId: input.userId }, { rules: requestPolicy(config) });
      return null;
    }
    const removed = await removeAttachment(db, { requestId: request.id, attachmentId: form.data.attachmentId });
    return removed ? null : badRequest({ formError: 'That file is no longer attached.' }, { status: 404, headers });
  } catch (error) {
    if (error instanceof IllegalTransitionError || error instanceof RequestConflictError) {
      return badRequest({ formError: 'This request can no longer be withdrawn.' }, { status: 409, headers });
    }
    throw error;
  }
}
