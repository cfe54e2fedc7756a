import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { Notice } from '~/components/field';
import { listInboxItems } from '~/models/inbox/inbox.server';
import { formatInstant } from '~/models/breaches/rules';
import { recordAudit } from '~/models/audit.server';
import { requireStaff } from '~/utils/auth.server';
import { useTranslation } from '~/utils/i18n-react';

export const meta: MetaFunction = () => [{ title: 'Privacy mailbox — Staff console — Privacy Portal' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireStaff(request, context);
  const all = new URL(request.url).searchParams.get('show') === 'all';
  const items = await listInboxItems(context.db, { state: all ? 'all' : 'new' });
  await recordAudit(context.db, { actorId: user.id, ip: context.clientIp, action: 'inbox.listed', details: { show: all ? 'all' : 'new', count: items.length } });
  const tz = context.config.timeZone;
  return json({
    connected: Boolean(context.config.inbox.imapUrl),
    all,
    items: items.map((i) => ({ id: i.id, from: i.from_name ? `${i.from_name} <${i.from_address}>` : i.from_address, subject: i.subject, date: formatInstant(i.sent_at ?? i.received_at, tz), state: i.state })),
  });
}

export default function InboxList() {
  const { connected, all, items } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <>
      <p>
        <Link to="/staff">{t('inbox.back')}</Link>
      </p>
      <h1>{t('inbox.title')}</h1>
      <p>{t('inbox.intro')}</p>
      {connected ? null : <Notice>{t('inbox.off')}</Notice>}
      <p>
        {all ? <Link to="/staff/inbox">{t('inbox.filterNew')}</Link> : <Link to="/staff/inbox?show=all">{t('inbox.filterAll')}</Link>}
      </p>
      {items.length === 0 ? (
        <Notice>{t('inbox.empty')}</Notice>
      ) : (
        <table className="reflow">
          <thead>
            <tr>
              <th scope="col">{t('inbox.from')}</th>
              <th scope="col">{t('inbox.subject')}</th>
              <th scope="col">{t('inbox.date')}</th>
              <th scope="col">{t('inbox.state')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id}>
                <td data-label={t('inbox.from')}>{i.from}</td>
                <td data-label={t('inbox.subject')}>
                  <Link to={`/staff/inbox/${i.id}`}>{i.subject || t('inbox.noSubject')}</Link>
                </td>
                <td data-label={t('inbox.date')}>{i.date}</td>
                <td data-label={t('inbox.state')}>{t(`inbox.states.${i.state}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
