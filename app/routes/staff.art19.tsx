import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { art19Overview } from '~/models/requests/art19-notices.server';
import { requireStaff } from '~/utils/auth.server';
import { dateTimeFormat } from '~/utils/intl';

export const meta: MetaFunction = () => [{ title: 'Art. 19 notices — Staff console — Privacy Portal' }];

/** Recipients of personal data without a privacy contact, and the Art. 19 notices still to send by hand or to be confirmed (issue 18.4). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  return json({ ...(await art19Overview(context.db)), timeZone: context.config.timeZone });
}

export default function StaffArt19() {
  const data = useLoaderData<typeof loader>();
  const when = (iso: string) => dateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: data.timeZone }).format(new Date(iso));
  return (
    <>
      <p>
        <Link to="/staff">← Staff console</Link>
      </p>
      <h1>Art. 19 notices</h1>
      <h2>Recipients of personal data with no privacy contact</h2>
      {data.missingContacts.length === 0 ? (
        <p>None: every recipient of personal data gets its erasure notices by email.</p>
      ) : (
        <>
          <p>Erasures list these as &ldquo;no contact: notify by hand&rdquo;. Set a contact so that notices go out by themselves.</p>
          <ul>
            {data.missingContacts.map((m) => (
              <li key={m.id}>
                {m.name}: <Link to={`/staff/subprocessors/${m.id}/art19`}>set its privacy contact</Link>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Notices waiting for staff</h2>
      {data.open.length === 0 ? (
        <p>None: every notice was sent and confirmed.</p>
      ) : (
        <ul>
          {data.open.map((n) => (
            <li key={n.id}>
              <Link to={`/staff/requests/${n.requestId}/art19`}>{n.reference}</Link>, {n.recipient}:{' '}
              {n.notified ? 'notified, confirmation not yet recorded' : 'no contact: notify by hand'} (erased {when(n.since)})
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
