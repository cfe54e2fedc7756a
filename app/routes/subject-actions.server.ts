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
 * null when done (the route redirects), else the FormState answer to send; its message is a
 * catalog key the page shows in the subject's language.
 */
export async function subjectStatusAction(
  context: Pick<AppLoadContext, 'db' | 'config'>,
  input: { request: RequestRow; httpRequest: Request; userId: string | null; headers?: HeadersInit },
): Promise<Response | null> {
  const { db, config } = context;
  const { request, headers } = input;
  const form = await parseForm(input.httpRequest, schema, { formError: 'status.errors.unknownAction', headers });
  if (!form.ok) return form.reply;
  try {
    if (form.data.intent === 'withdraw') {
      await withdrawRequest(db, { requestId: request.id, userId: input.userId }, { rules: requestPolicy(config) });
      return null;
    }
    const removed = await removeAttachment(db, { requestId: request.id, attachmentId: form.data.attachmentId });
    return removed ? null : badRequest({ formError: 'status.errors.fileGone' }, { status: 404, headers });
  } catch (error) {
    if (error instanceof IllegalTransitionError || error instanceof RequestConflictError) {
      return badRequest({ formError: 'status.errors.cannotWithdraw' }, { status: 409, headers });
    }
    throw error;
  }
}
