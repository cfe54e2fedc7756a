import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { Notice } from '~/components/field';
import { setStaffNotifications, staffNotificationsOn } from '~/models/requests/staff-mail.server';
import { requireStaff } from '~/utils/auth.server';
import { parseForm } from '~/utils/form.server';

export const meta: MetaFunction = () => [{ title: 'Email notifications — Staff console — Privacy Portal' }];

const schema = z.object({ notify: z.enum(['on', 'off'], { error: 'Choose on or off' }) });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  return json({ on: await staffNotificationsOn(context.db, staff.id) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const form = await parseForm(request, schema);
  if (!form.ok) return form.reply;
  await setStaffNotifications(context.db, { id: staff.id, ip: context.clientIp }, form.data.notify === 'on');
  return redirect('/staff/notifications?saved=1');
}

export default function StaffNotifications() {
  const { on } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <>
      <p>
        <Link to="/staff">← Staff console</Link>
      </p>
      <h1>Email notifications</h1>
      {params.get('saved') ? <Notice>Saved.</Notice> : null}
      <p>
        When these are on, you get an email when a request is assigned to you (by someone else), and when the subject replies on a
        request assigned to you, or on one assigned to nobody. The emails name the request by reference, type and due date only.
      </p>
      <p>
        They are now <strong>{on ? 'on' : 'off'}</strong>.
      </p>
      <Form method="post">
        <input type="hidden" name="notify" value={on ? 'off' : 'on'} />
        <button type="submit">{on ? 'Turn these emails off' : 'Turn these emails on'}</button>
      </Form>
    </>
  );
}
