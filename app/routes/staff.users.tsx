import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { Field, FormError, Notice } from '~/components/field';
import { staffRoleSchema } from '~/models/accounts/forms.server';
import { setStaffRole, type RoleChangeResult } from '~/models/accounts/accounts.server';
import { listPrivilegedUsersForAdmin } from '~/models/accounts/users.server';
import { requireAdmin } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { tFor, translateError } from '~/utils/i18n';

export const meta: MetaFunction = () => [{ title: 'Staff accounts — Privacy Portal' }];

const REFUSALS: Record<Exclude<RoleChangeResult, 'changed'>, string> = {
  'not-found': 'No account uses this email address. The person must create an account first.',
  'is-admin': 'This account is an administrator; administrators are managed with `npm run create-admin`.',
  unchanged: 'This account already has that role.',
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const users = await listPrivilegedUsersForAdmin(context.db, { id: admin.id, ip: context.clientIp });
  return json({ users: users.map((u) => ({ id: u.id, email: u.email, role: u.role })) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await parseForm(request, staffRoleSchema, { keep: ['email'] });
  if (!form.ok) return form.reply;
  const { email, intent } = form.data;
  const result = await setStaffRole(context.db, { actorId: admin.id, email, staff: intent === 'grant', ip: context.clientIp });
  if (result !== 'changed') {
    return badRequest({ fieldErrors: { email: REFUSALS[result] }, values: form.fields }, { keep: ['email'] });
  }
  const done = new URLSearchParams({ [intent === 'grant' ? 'granted' : 'revoked']: email });
  return redirect(`/staff/users?${done}`);
}

export default function StaffUsers() {
  const { users } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  const granted = params.get('granted');
  const revoked = params.get('revoked');
  return (
    <section>
      <h1>Staff accounts</h1>
      {granted ? <Notice>{granted} is now privacy staff. Their sessions were ended; they sign in again.</Notice> : null}
      {revoked ? <Notice>{revoked} is no longer privacy staff. Their sessions were ended.</Notice> : null}
      <FormError message={result?.formError} />

      <h2 id="grant-heading">Grant the staff role</h2>
      <Form method="post" aria-labelledby="grant-heading">
        <input type="hidden" name="intent" value="grant" />
        <Field
          label="Email of the account"
          name="email"
          type="email"
          autoComplete="off"
          required
          defaultValue={result?.values?.email}
          // Staff pages are English; the shared email rule answers with a catalog key.
          error={translateError(tFor('en'), result?.fieldErrors?.email)}
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
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td data-label="Email">{u.email}</td>
                <td data-label="Role">{u.role === 'admin' ? 'Administrator' : 'Staff'}</td>
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
