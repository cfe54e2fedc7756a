import { z } from 'zod';
import type { AppLoadContext } from '@remix-run/node';
import type { RequestRow } from '../../db/schema';
import { removeAttachment } from '~/models/requests/attachments.server';
import { IllegalTransitionError } from '~/models/requests/lifecycle';
import { requestPolicy } from '~/models/requests/policy';
import { RequestConflictError, withdrawRequest } from '~/models/requests/transitions.server';
import { badRequest, parseForm } from '~/utils/form.server';
import { confirmSignedIn, enterVerificationCode, sendVerificationCode } from '~/models/requests/identity.server';

const schema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('withdraw') }),
  z.object({ intent: z.literal('remove-attachment'), attachmentId: z.string().optional().default('') }),
  z.object({ intent: z.literal('confirm-identity') }),
  z.object({ intent: z.literal('send-code') }),
  z.object({ intent: z.literal('enter-code'), code: z.string().trim().min(1, 'verification.errors.codeWrong').max(20, 'verification.errors.codeWrong') }),
]);

const CODE_ERRORS = {
  wrong: 'verification.errors.codeWrong',
  expired: 'verification.errors.codeExpired',
  locked: 'verification.errors.codeLocked',
  not_yours: 'verification.errors.notYours',
  not_needed: 'verification.errors.notNeeded',
} as const;

/**
 * What a subject may do from their status page (withdraw, remove an attachment), shared by the
 * account route and the status-link route once each has checked whose request it is. Returns
 * null when done (the route redirects), else the FormState answer to send; its message is a
 * catalog key the page shows in the subject's language.
 */
export async function subjectStatusAction(
  context: Pick<AppLoadContext, 'db' | 'config'>,
  input: {
    request: RequestRow;
    httpRequest: Request;
    userId: string | null;
    /** The signed-in user, if any: raising the identity level needs the account that proved the address. */
    sessionUserId?: string | null;
    ip?: string | null;
    headers?: HeadersInit;
  },
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
    if (form.data.intent === 'confirm-identity' || form.data.intent === 'send-code' || form.data.intent === 'enter-code') {
      const userId = input.sessionUserId ?? input.userId;
      if (!userId) return badRequest({ formError: 'verification.errors.notYours' }, { status: 403, headers });
      const ids = { requestId: request.id, userId, ip: input.ip ?? null };
      const rules = { rules: requestPolicy(config) };
      if (form.data.intent === 'confirm-identity') {
        const done = await confirmSignedIn(db, ids, rules);
        return done === 'not_yours' ? badRequest({ formError: 'verification.errors.notYours' }, { status: 403, headers }) : null;
      }
      if (form.data.intent === 'send-code') {
        const sent = await sendVerificationCode(db, ids, rules);
        if (sent.status === 'sent') return null;
        const key = sent.status === 'limited' ? 'verification.errors.codeLimit' : CODE_ERRORS[sent.status];
        return badRequest({ formError: key }, { status: sent.status === 'limited' ? 429 : 409, headers });
      }
      const result = await enterVerificationCode(db, { ...ids, code: form.data.code }, rules);
      if (result === 'confirmed') return null;
      return badRequest({ formError: CODE_ERRORS[result], fieldErrors: { code: CODE_ERRORS[result] } }, { status: result === 'not_yours' ? 403 : 400, headers });
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
