import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { Fragment } from 'react';
import { listMailFiles, listMailFilesForAdmin } from '~/models/mail.server';
import { requireAdmin } from '~/utils/auth.server';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction = () => [{ title: 'Mailbox · Privacy Portal' }, { name: 'robots', content: 'noindex' }];

/**
 * The mail the portal wrote to DATA_DIR/mail because no SMTP_URL is set. Mail carries
 * verification and download links: in production only a signed-in administrator sees it (each
 * look audited), and only while there is no SMTP server (then there are no new files to read);
 * outside production (npm run dev, tests) it is a developer's tool, open to anyone on the machine.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const production = context.config.env === 'production';
  invariantResponse(!production || !context.config.smtpUrl, 'Not found', { status: 404 });
  const admin = production ? await requireAdmin(request, context) : null;
  const messages = admin
    ? await listMailFilesForAdmin(context.db, context.config, { id: admin.id, ip: context.clientIp })
    : await listMailFiles(context.config);
  return json({ messages, smtp: Boolean(context.config.smtpUrl), production }, { headers: { 'Cache-Control': 'no-store' } });
}

const URL_PATTERN = /(https?:\/\/[^\s<>"]+)/g;

/** Plain text with its links made clickable; everything else rendered as text (escaped by React). */
function Linkified({ text }: { text: string }) {
  return (
    <>
      {text.split(URL_PATTERN).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part}>
            {part}
          </a>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </>
  );
}

export default function DevMailbox() {
  const { messages, smtp, production } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Mailbox</h1>
      <p className="hint">
        {smtp
          ? 'SMTP_URL is set, so mail goes to your SMTP server; only files written earlier are listed here.'
          : `No SMTP_URL is set, so every outgoing message is written to DATA_DIR/mail and listed here, newest first (the latest 50). ${
              production
                ? 'Only administrators see this page, and each look is recorded in the audit trail. Set SMTP_URL to send mail to people.'
                : 'In production only administrators see it, and only while SMTP_URL is unset.'
            }`}
      </p>
      {messages.length === 0 ? (
        <p>No mail yet.</p>
      ) : (
        <ol className="mailbox">
          {messages.map((m) => (
            <li key={m.file}>
              <article aria-labelledby={`subject-${m.file}`}>
                <h2 id={`subject-${m.file}`}>{m.subject}</h2>
                <p className="hint">
                  To {m.to} · <time dateTime={m.date}>{new Date(m.date).toUTCString()}</time>
                </p>
                <pre className="mail-body">
                  <Linkified text={m.text} />
                </pre>
              </article>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
