import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { letterForRequest } from '~/models/requests/letters.server';
import { requestPolicy } from '~/models/requests/policy';
import { requireStaff } from '~/utils/auth.server';
import { invariantResponse } from '~/utils/invariant';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.letter.title ?? 'Letter'} — Staff console — Privacy Portal` }];

/**
 * A letter to a subject reached by post, for printing: `?event=<id>` for a notice on the
 * timeline, the acknowledgement without it. In the subject's language; viewing it is audited.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, context);
  const eventId = new URL(request.url).searchParams.get('event');
  const letter = await letterForRequest(
    context.db,
    { requestId: params.id ?? '', eventId: eventId || null },
    { id: staff.id, ip: context.clientIp },
    requestPolicy(context.config),
  );
  invariantResponse(letter, 'Not found', { status: 404 });
  return json({ letter, requestId: params.id! }, { headers: { 'Cache-Control': 'no-store' } });
}

export default function PrintableLetter() {
  const { letter, requestId } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="no-print">
        <p>
          <Link to={`/staff/requests/${requestId}`}>← Back to the request</Link>
        </p>
        <p>
          Use the button or your browser&apos;s Print command; the letter below is in the subject&apos;s language. <span lang={letter.lang}>{letter.printHint}</span>
        </p>
        <PrintButton label={letter.printLabel} lang={letter.lang} />
      </div>
      <article className="letter" lang={letter.lang} aria-labelledby="letter-heading">
        <address className="letter-sender">
          {letter.sender.map((line, i) => (
            <span key={i}>
              {line}
              <br />
            </span>
          ))}
        </address>
        <address className="letter-recipient">
          {letter.recipient.map((line, i) => (
            <span key={i}>
              {line}
              <br />
            </span>
          ))}
        </address>
        <p className="letter-meta">
          {letter.dateLine}
          <br />
          {letter.referenceLine}
        </p>
        <h1 id="letter-heading">{letter.heading}</h1>
        <p>{letter.salutation}</p>
        {letter.paragraphs.map((p, i) => (
          <p key={i} className="prewrap">
            {p}
          </p>
        ))}
        {letter.contact.map((p, i) => (
          <p key={`c${i}`}>{p}</p>
        ))}
        <p>{letter.closing}</p>
        <p>{letter.signature}</p>
      </article>
    </>
  );
}

/** Printing needs script; without it the browser's own Print command does the same. */
function PrintButton({ label, lang }: { label: string; lang: string }) {
  return (
    <button type="button" lang={lang} onClick={() => window.print()}>
      {label}
    </button>
  );
}
