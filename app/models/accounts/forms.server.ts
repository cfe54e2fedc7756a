import { z } from 'zod';
import { checkPasswordPolicy, PASSWORD_MAX_LENGTH } from '~/utils/password-policy.server';

/** Zod schemas for the account forms; the server's answer is the truth, whatever the browser checked. */
const email = z
  .string({ error: 'Enter your email address.' })
  .trim()
  .min(1, 'Enter your email address.')
  .max(254, 'An email address has at most 254 characters.')
  .pipe(z.email('Enter an email address like name@example.org.'));

const enteredPassword = z
  .string({ error: 'Enter your password.' })
  .min(1, 'Enter your password.')
  .max(PASSWORD_MAX_LENGTH * 4, `A password has at most ${PASSWORD_MAX_LENGTH} characters.`);

const newPassword = z.string({ error: 'Choose a password.' }).min(1, 'Choose a password.');

// Where to go after signing in: never a reason to refuse the form (safeRedirect falls back).
const redirectTo = z.string().max(2000).optional().catch(undefined);

export const signUpSchema = z
  .object({ email, password: newPassword, redirectTo })
  .superRefine((value, ctx) => {
    if (typeof value.password !== 'string') return;
    const problem = checkPasswordPolicy(value.password, value.email);
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
  });

export const signInSchema = z.object({ email, password: enteredPassword, redirectTo });

export function changePasswordSchema(userEmail: string) {
  return z
    .object({ currentPassword: enteredPassword, newPassword })
    .superRefine((value, ctx) => {
      if (typeof value.newPassword !== 'string') return;
      const problem = checkPasswordPolicy(value.newPassword, userEmail);
      if (problem) ctx.addIssue({ code: 'custom', path: ['newPassword'], message: problem });
    });
}

export const staffRoleSchema = z.object({
  email,
  intent: z.enum(['grant', 'revoke'], { error: 'Choose whether to grant or revoke the role.' }),
});

export const forgotPasswordSchema = z.object({ email });

export function resetPasswordSchema(userEmail: string) {
  return z.object({ newPassword }).superRefine((value, ctx) => {
    if (typeof value.newPassword !== 'string') return;
    const problem = checkPasswordPolicy(value.newPassword, userEmail);
    if (problem) ctx.addIssue({ code: 'custom', path: ['newPassword'], message: problem });
  });
}
