import { hasControlCharacters } from '~/utils/text';
import { z } from 'zod';
import { passwordProblem, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '~/utils/password-policy.server';

/**
 * Zod schemas for the account forms; the server's answer is the truth, whatever the browser checked.
 * Messages are catalog keys (`accountErrors.*`, a limit after a colon) that the page shows in the
 * visitor's language with `translateError`.
 */
const EMAIL_MAX_LENGTH = 254;

const email = z
  .string({ error: 'accountErrors.emailMissing' })
  .trim()
  .min(1, 'accountErrors.emailMissing')
  .max(EMAIL_MAX_LENGTH, `accountErrors.emailLong:${EMAIL_MAX_LENGTH}`)
  .pipe(z.email('accountErrors.email'));

const enteredPassword = z
  .string({ error: 'accountErrors.passwordMissing' })
  .min(1, 'accountErrors.passwordMissing')
  .max(PASSWORD_MAX_LENGTH * 4, `accountErrors.passwordLong:${PASSWORD_MAX_LENGTH}`);

const newPassword = z.string({ error: 'accountErrors.newPasswordMissing' }).min(1, 'accountErrors.newPasswordMissing');

const POLICY_MESSAGES = {
  short: `accountErrors.passwordShort:${PASSWORD_MIN_LENGTH}`,
  long: `accountErrors.passwordTooLong:${PASSWORD_MAX_LENGTH}`,
  email: 'accountErrors.passwordIsEmail',
  common: 'accountErrors.passwordCommon',
} as const;

/** Adds the password policy's refusal, if any, to the field `path`. */
function checkNewPassword(password: unknown, userEmail: unknown, path: string, ctx: z.RefinementCtx) {
  if (typeof password !== 'string') return;
  const problem = passwordProblem(password, typeof userEmail === 'string' ? userEmail : undefined);
  if (problem) ctx.addIssue({ code: 'custom', path: [path], message: POLICY_MESSAGES[problem] });
}

// Where to go after signing in: never a reason to refuse the form (safeRedirect falls back).
/** Where to go after signing in; one with a control character (a NUL, say) is dropped, as safeRedirect would refuse it. */
const redirectTo = z
  .string()
  .max(2000)
  .optional()
  .catch(undefined)
  .transform((v) => (v !== undefined && hasControlCharacters(v, { oneLine: true }) ? undefined : v));

export const signUpSchema = z
  .object({ email, password: newPassword, redirectTo })
  .superRefine((value, ctx) => checkNewPassword(value.password, value.email, 'password', ctx));

export const signInSchema = z.object({ email, password: enteredPassword, redirectTo });

export function changePasswordSchema(userEmail: string) {
  return z
    .object({ currentPassword: enteredPassword, newPassword })
    .superRefine((value, ctx) => checkNewPassword(value.newPassword, userEmail, 'newPassword', ctx));
}

export const staffRoleSchema = z.object({
  email,
  intent: z.enum(['grant', 'revoke'], { error: 'Choose whether to grant or revoke the role.' }),
});

/** An administrator's invitation to join as staff or admin (its own field name: the page has a second email field). */
export const invitationSchema = z.object({
  inviteEmail: email,
  role: z.enum(['staff', 'admin'], { error: 'Choose staff or administrator.' }),
});

export const revokeInvitationSchema = z.object({
  invitationId: z.string().regex(/^\d{1,18}$/, 'Choose an invitation from the list.'),
});

export const forgotPasswordSchema = z.object({ email });

/** The subject's "lost my link" form (/status): the same address rules and messages. */
export const lostStatusLinkSchema = z.object({ email });

export function resetPasswordSchema(userEmail: string) {
  return z.object({ newPassword }).superRefine((value, ctx) => checkNewPassword(value.newPassword, userEmail, 'newPassword', ctx));
}
