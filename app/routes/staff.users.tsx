import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { RadioGroupField } from '~/components/choice-fields';
import { Field, FormError, Notice } from '~/components/field';
import { invitationSchema, revokeInvitationSchema, staffRoleSchema } from '~/models/accounts/forms.server';
import { setStaffRole, type RoleChangeResult } from '~/models/accounts/accounts.server';
import { inviteStaff, listOpenInvitations, revokeInvitation } from '~/models/accounts/invitations.server';
import { listPrivilegedUsersForAdmin } from '~/models/accounts/users.server';
import { requireAdmin } from '~/utils/auth.server';
import { badRequest, readForm, refuseForm, validateFields, type FormState } from '~/utils/form.server';
import { formatStaffTime } from '~/utils/dates';
import { tFor, translateError } from '~/utils/i18n';

export const meta: MetaFunction = () => [{ title: 'Staff accounts — Privacy Portal' }];

const REFUSALS: Record<Exclude<RoleChangeResult, 'changed'>, string> = {
  'not-found': 'No account uses this email address. Invite the person instead (below).',
  'is-admin': 'This account is an administrator; administrators are managed with `npm run create-admin` or an invitation, not here.',
  unchanged: 'This account already has that role.',
  unconfirmed:
    'This account has not confirmed its email address, so it may not be the person you mean: anyone can sign up with any address. Ask them to confirm it from their account page, or invite the address instead (below): accepting the emailed invitation proves it.',
};

const ROLE_OPTIONS = [
  { value: 'staff', label: 'Privacy staff', description: 'Works the request queue, the registry and objections.' },
  { value: 'admin', label: 'Administrator', description: 'Everything staff do, plus staff accounts and the audit trail.' },
] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const [users, invitations] = await Promise.all([
    listPrivilegedUsersForAdmin(context.db, { id: admin.id, ip: context.clientIp }),
    listOpenInvitations(context.db),
  ]);
  return json({
    users: users.map((u) => ({ id: u.id, email: u.email, role: u.role, confirmed: u.email_verified_at !== null })),
    invitations: invitations.map((i) => ({ id: i.id, email: i.email, role: i.role, expires: formatStaffTime(i.expires_at, context.config.timeZone) })),
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const actor = { id: admin.id, ip: context.clientIp };
  const form = await readForm(request);
  if (!form.ok) return refuseForm(form);
  const intent = form.fields.intent;
  if (intent === 'invite') {
    const parsed = validateFields(invitationSchema, form.fields, { keep: ['inviteEmail', 'role', 'intent'] });
    if (!parsed.ok) return parsed.reply;
    const result = await inviteStaff(context.db, context.config, { actor, email: parsed.data.inviteEmail, role: parsed.data.role });
    if (!result.ok) {
      const fieldErrors = { inviteEmail: 'This address already has a confirmed account with that role (or a higher one).' };
      return badRequest({ fieldErrors, values: form.fields }, { keep: ['inviteEmail', 'role', 'intent'] });
    }
    return redirect(`/staff/users?${new URLSearchParams({ invited: parsed.data.inviteEmail })}`);
  }
  if (intent === 'revoke-invitation') {
    const parsed = validateFields(revokeInvitationSchema, form.fields);
    if (!parsed.ok) return parsed.reply;
    const revoked = await revokeInvitation(context.db, { actor, id: parsed.data.invitationId });
    if (!revoked) return badRequest({ formError: 'That invitation is no longer open: it was accepted, revoked or has expired.' });
    return redirect('/staff/users?invitationRevoked=1');
  }
  const parsed = validateFields(staffRoleSchema, form.fields, { keep: ['email'] });
  if (!parsed.ok) return parsed.reply;
  const { email } = parsed.data;
  const result = await setStaffRole(context.db, { actorId: admin.id, email, staff: parsed.data.intent === 'grant', ip: context.clientIp });
  if (result !== 'changed') {
    return badRequest({ fieldErrors: { email: REFUSALS[result] }, values: form.fields }, { keep: ['email'] });
  }
  const done = new URLSearchParams({ [parsed.data.intent === 'grant' ? 'granted' : 'revoked']: email });
  return redirect(`/staff/users?${done}`);
}

export default function StaffUsers() {
  const { users, invitations } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  // Staff pages are English; the shared email rule answers with a catalog key.
  const t = tFor('en');
  const inviting = result?.values?.intent === 'invite';
  const errors = result?.fieldErrors ?? {};
  return (
    <section>
      <h1>Staff accounts</h1>
      {params.get('granted') ? <Notice>{params.get('granted')} is now privacy staff. Their sessions were ended; they sign in again.</Notice> : null}
      {params.get('revoked') ? <Notice>{params.get('revoked')} is no longer privacy staff. Their sessions were ended.</Notice> : null}
      {params.get('invited') ? <Notice>An invitation was emailed to {params.get('invited')}. Its link works once, for 7 days.</Notice> : null}
      {params.get('invitationRevoked') ? <Notice>The invitation was revoked: its link no longer works.</Notice> : null}
      <FormError message={result?.formError} />

      <h2 id="invite-heading">Invite someone</h2>
      <p>
        The address gets an email with a link; whoever opens it chooses a password and signs in with the role you choose. The
        account is confirmed by that: use this for anyone without an account, or whose account is not confirmed.
      </p>
      <Form method="post" aria-labelledby="invite-heading">
        <input type="hidden" name="intent" value="invite" />
        <Field
          label="Email address to invite"
          name="inviteEmail"
          type="email"
          autoComplete="off"
          required
          defaultValue={inviting ? result?.values?.inviteEmail : undefined}
          error={translateError(t, errors.inviteEmail)}
        />
        <RadioGroupField
          legend="Role"
          name="role"
          options={ROLE_OPTIONS}
          defaultValue={inviting ? result?.values?.role : 'staff'}
          error={errors.role}
          required
        />
        <button type="submit" disabled={busy}>
          Send invitation
        </button>
      </Form>

      {invitations.length > 0 ? (
        <>
          <h2 id="invitations-heading">Open invitations</h2>
          <table aria-labelledby="invitations-heading" className="reflow">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Link works until</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {invitations.map((i) => (
                <tr key={i.id}>
                  <td data-label="Email">{i.email}</td>
                  <td data-label="Role">{i.role === 'admin' ? 'Administrator' : 'Staff'}</td>
                  <td data-label="Link works until">{i.expires}</td>
                  <td data-label="Action">
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke-invitation" />
                      <input type="hidden" name="invitationId" value={i.id} />
                      <button type="submit" className="secondary" disabled={busy} aria-label={`Revoke the invitation of ${i.email}`}>
                        Revoke invitation
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}

      <h2 id="grant-heading">Grant the staff role to an account</h2>
      <p>The account must have confirmed its email address.</p>
      <Form method="post" aria-labelledby="grant-heading">
        <input type="hidden" name="intent" value="grant" />
        <Field
          label="Email of the account"
          name="email"
          type="email"
          autoComplete="off"
          required
          defaultValue={inviting ? undefined : result?.values?.email}
          error={translateError(t, errors.email)}
        />
        <button type="submit" disabled={busy}>
          Grant staff role
        </button>
      </Form>

      <h2 id="list-heading">Staff and administrators</h2>
      <div>
        <table aria-labelledby="list-heading" className="reflow">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Address</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td data-label="Email">{u.email}</td>
                <td data-label="Role">{u.role === 'admin' ? 'Administrator' : 'Staff'}</td>
                <td data-label="Address">{u.confirmed ? 'Confirmed' : <strong>Not confirmed</strong>}</td>
                <td data-label="Action">
                  {u.role === 'staff' ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="email" value={u.email} />
                      <button type="submit" className="secondary" disabled={busy} aria-label={`Revoke staff role of ${u.email}`}>
                        Revoke staff role
                      </button>
                    </Form>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
