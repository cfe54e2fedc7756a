import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { Field, FormError, Notice } from '~/components/field';
import { dpoSchema } from '~/models/breaches/forms.server';
import { listBreachOfficers, setBreachOfficer, type DpoChange } from '~/models/breaches/officers.server';
import { requireAdmin } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Data protection officers — Breach register — Privacy Portal' }];

const REFUSALS: Record<Exclude<DpoChange, 'changed'>, string> = {
  'not-found': 'No account uses this email address.',
  'not-staff': 'Only a staff account can be designated DPO (administrators keep the register anyway). Grant the staff role first.',
  unchanged: 'This account already is (or is not) a DPO.',
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const people = await listBreachOfficers(context.db, { id: admin.id, ip: context.clientIp });
  return json({ people: people.map((p) => ({ id: p.id, email: p.email, role: p.role, dpo: p.dpo })) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await parseForm(request, dpoSchema, { keep: ['email'] });
  if (!form.ok) return form.reply;
  const { email, intent } = form.data;
  const result = await setBreachOfficer(context.db, { email, dpo: intent === 'designate' }, { id: admin.id, ip: context.clientIp });
  if (result !== 'changed') return badRequest({ fieldErrors: { email: REFUSALS[result] }, values: form.fields }, { keep: ['email'] });
  return redirect(`/staff/breaches/officers?${new URLSearchParams({ [intent === 'designate' ? 'designated' : 'revoked']: email })}`);
}

export default function BreachOfficers() {
  const { people } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const [params] = useSearchParams();
  const designated = params.get('designated');
  const revoked = params.get('revoked');
  return (
    <>
      <p>
        <Link to="/staff/breaches">← Breach register</Link>
      </p>
      <h1>Data protection officers</h1>
      <p>
        The breach register is kept by administrators and by staff designated as data protection officer. They receive the deadline reminders
        48, 24 and 6 hours before a breach must be notified.
      </p>
      {designated ? <Notice>{designated} is now a data protection officer.</Notice> : null}
      {revoked ? <Notice>{revoked} is no longer a data protection officer.</Notice> : null}
      <FormError message={result?.formError} />
      <Form method="post" noValidate className="narrow">
        <input type="hidden" name="intent" value="designate" />
        <Field label="Email of the staff account" name="email" type="email" autoComplete="off" required defaultValue={result?.values?.email} error={result?.fieldErrors?.email} />
        <button type="submit">Designate as DPO</button>
      </Form>
      <table className="reflow">
        <caption>Staff and administrators</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Keeps the register</th>
            <th scope="col">
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {people.map((p) => (
            <tr key={p.id}>
              <td data-label="Account" className="preserve">{p.email}</td>
              <td data-label="Keeps the register">{p.role === 'admin' ? 'Yes (administrator)' : p.dpo ? 'Yes (DPO)' : 'No'}</td>
              <td>
                {p.role === 'staff' && p.dpo ? (
                  <Form method="post">
                    <input type="hidden" name="intent" value="revoke" />
                    <input type="hidden" name="email" value={p.email} />
                    <button type="submit" className="link-button">
                      Revoke DPO<span className="visually-hidden"> ({p.email})</span>
                    </button>
                  </Form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
