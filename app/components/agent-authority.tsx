import { Link } from '@remix-run/react';
import type { AuthoritySummary } from '~/models/requests/authority';

/**
 * The staff request page's lines about a representative's request (issue 24.1): whom it is
 * about, whether that person confirmed, whether staff checked the authority, and what that
 * means for the package or the erasure. Rendered inside the page's <dl>.
 */
export function AgentAuthorityFacts(props: {
  requestId: string;
  subjectName: string | null;
  subjectEmail: string | null;
  authority: AuthoritySummary;
  when: (iso: string) => string;
}) {
  const a = props.authority;
  if (!a.forAnotherPerson) return null;
  return (
    <>
      <dt>About (the subject)</dt>
      <dd>
        {props.subjectName} &lt;{props.subjectEmail}&gt;
      </dd>
      <dt>Subject&apos;s confirmation</dt>
      <dd>
        {a.subjectConfirmed ? (
          `Confirmed by the subject ${props.when(a.subjectConfirmed.at)}${a.subjectConfirmed.via === 'account' ? ', signed in' : ', by the link sent to their address'}`
        ) : a.attestation ? (
          `Not confirmed by the subject; authority checked by staff: ${a.attestation.kindLabel}, ${props.when(a.attestation.at)}`
        ) : (
          <strong>Not confirmed, and no authority check recorded: the package holds only what the representative gave; erasure is refused.</strong>
        )}{' '}
        <Link to={`/staff/requests/${props.requestId}/authority`}>The representative&apos;s authority</Link>
      </dd>
    </>
  );
}
