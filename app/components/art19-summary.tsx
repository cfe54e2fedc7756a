import { Link } from '@remix-run/react';
import type { NoticeView } from '~/models/requests/art19-notices.server';

/** One line on the staff request page: where the erasure's Art. 19 notices stand, with the page to record them (issue 18.4). Inside the page's <dl>. */
export function Art19NoticeSummary({ requestId, notices }: { requestId: string; notices: NoticeView[] }) {
  if (notices.length === 0) return null;
  const byHand = notices.filter((n) => n.method === 'by_hand');
  const toSend = byHand.filter((n) => !n.notifiedAt);
  const confirmed = notices.filter((n) => n.confirmedAt).length;
  return (
    <>
      <dt>Art. 19 follow-up</dt>
      <dd>
        {notices.length - byHand.length} emailed, {byHand.length} by hand
        {toSend.length > 0 ? (
          <>
            {' '}
            (<strong>no contact: notify by hand: {toSend.map((n) => n.recipient).join(', ')}</strong>)
          </>
        ) : null}
        ; {confirmed} of {notices.length} confirmed by the recipient. <Link to={`/staff/requests/${requestId}/art19`}>Record notifications and confirmations</Link>
      </dd>
    </>
  );
}
