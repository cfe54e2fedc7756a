/**
 * The public status alert sign-ups (the subscribe page and "follow this incident"): rate
 * limited per client address, the address checked, then a confirmation mailed in the visitor's
 * language. The answer is the same whether or not the address was already subscribed.
 */
import { json, type ActionFunctionArgs } from '@remix-run/node';
import { RATE_LIMITS } from '~/models/policy';
import { consumeRateLimit } from '~/models/rate-limits.server';
import { requestStatusAlerts, type StatusScope } from '~/models/status/alerts.server';
import { subscribeSchema } from '~/models/subprocessors/subscriptions.server';
import { badRequest, readForm, refuseForm, validateFields, type FormFields, type FormState } from '~/utils/form.server';
import { languageOf } from '~/utils/language.server';

export type SubscribeResult = FormState & { sent?: true; retryMinutes?: number };

export async function subscribeAction({ request, context }: ActionFunctionArgs, scopeOf: (fields: FormFields) => StatusScope | { error: string; field: string }, keep: string[]) {
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form);
  const limit = await consumeRateLimit(context.db, { bucket: 'status-subscribe', key: context.clientIp ?? 'unknown', ...RATE_LIMITS.statusSubscribe });
  if (!limit.allowed) {
    return badRequest(
      { formError: 'errors.tooMany', values: form.fields, retryMinutes: Math.ceil(limit.retryAfterSeconds / 60) } as SubscribeResult,
      { keep, status: 429, headers: { 'Retry-After': String(limit.retryAfterSeconds) } },
    );
  }
  const parsed = validateFields(subscribeSchema, form.fields, { keep });
  if (!parsed.ok) return parsed.reply;
  const scope = scopeOf(form.fields);
  if ('error' in scope) return badRequest({ fieldErrors: { [scope.field]: scope.error }, values: form.fields }, { keep });
  await requestStatusAlerts(context.db, { email: parsed.data.email, lang: languageOf(request), scope }, context.config);
  return json<SubscribeResult>({ sent: true, values: { email: parsed.data.email } });
}
