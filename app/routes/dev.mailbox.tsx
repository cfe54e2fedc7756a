import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { Fragment } from 'react';
import { listMailFiles } from '~/models/mail.server';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction = () => [{ title: 'Developer mailbox · Privacy Portal' }];

export async function loader({ context }: LoaderFunctionArgs) {
  // Mail carries verification and download links: never list it in production.
  invariantResponse(context.config.env !== 'production', 'Not found', { status: 404 });
  const messages = await listMailFiles(context.config);
  return json({ messages, smtp: Boolean(context.config.smtpUrl) }, { headers: { 'Cache-Control': 'no-store' } });
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
  const { messages, smtp } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Developer mailbox</h1>
      <p className="hint">
        {smtp
          ? 'SMTP_URL is set, so mail goes to your SMTP server; only files written earlier are listed here.'
          : 'No SMTP_URL is set, so every outgoing message is written to DATA_DIR/mail and listed here, newest first. This page does not exist in production.'}
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
