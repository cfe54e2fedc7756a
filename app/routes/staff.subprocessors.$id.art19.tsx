import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { art19Schema, Art19Error, setArt19Contact } from '~/models/subprocessors/art19.server';
import { getLatestDetails } from '~/models/subprocessors/registry.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, parseForm, type FormState } from '~/utils/form.server';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction = () => [{ title: 'Erasure notices for a subprocessor — Privacy Portal' }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const id = params.id ?? '';
  const latest = /^\d{1,18}$/.test(id) ? await getLatestDetails(context.db, id) : undefined;
  invariantResponse(latest, 'Not found', { status: 404 });
  const row = await context.db
    .selectFrom('subprocessors')
    .select(['privacy_contact_email', 'receives_personal_data'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return json({
    name: latest.details.name,
    values: { privacyContactEmail: row.privacy_contact_email ?? '', receivesPersonalData: row.receives_personal_data ? 'on' : '' },
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const keep = ['privacyContactEmail', 'receivesPersonalData'];
  const form = await parseForm(request, art19Schema, { keep });
  if (!form.ok) return form.reply;
  try {
    await setArt19Contact(context.db, params.id ?? '', form.data, { id: staff.id, ip: context.clientIp ?? null });
  } catch (error) {
    if (!(error instanceof Art19Error)) throw error;
    return badRequest({ fieldErrors: { privacyContactEmail: error.message }, values: form.fields }, { keep });
  }
  return redirect(`/staff/subprocessors?${new URLSearchParams({ done: 'The erasure-notice contact is recorded.' })}`);
}

export default function Art19Contact() {
  const { name, values } = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const v = (result?.values ?? values) as Record<string, string | undefined>;
  const error = result?.fieldErrors?.privacyContactEmail;
  return (
    <>
      <p>
        <Link to="/staff/subprocessors">← Manage subprocessors</Link>
      </p>
      <h1>Erasure notices for {name}</h1>
      <p>When a subject's data is erased, every subprocessor that receives personal data is told (Art. 19 GDPR). This is not published.</p>
      {result?.formError ? <p role="alert">{result.formError}</p> : null}
      <Form method="post" noValidate>
        <p>
          <label>
            <input type="checkbox" name="receivesPersonalData" value="on" defaultChecked={v.receivesPersonalData === 'on'} /> Receives
            personal data
          </label>
        </p>
        <p>
          <label htmlFor="privacyContactEmail">Privacy contact email</label>
          {error ? (
            <span id="privacyContactEmail-error" role="alert">
              {' '}
              {error}
            </span>
          ) : null}
          <br />
          <input
            id="privacyContactEmail"
            name="privacyContactEmail"
            type="email"
            defaultValue={v.privacyContactEmail ?? ''}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'privacyContactEmail-error' : undefined}
          />
        </p>
        <button type="submit">Save</button>
      </Form>
    </>
  );
}
