import type { AuthorityDocumentKind, RequestRow } from '../../../db/schema';
import { normalizeEmail } from '~/utils/email';

/**
 * Whose data an agent's request may reach (issue 24.1). An agent (a parent, a lawyer, a
 * relative) files for someone else and proves only their own address. The person the request is
 * about must have confirmed it themselves (the link sent to their address, or signed in to
 * their own account), or staff must have recorded that they checked the agent's authority and
 * which document they checked. Until then an access package holds only what the agent gave,
 * and an erasure is refused. Pure rules; the database side is in authority.server.ts.
 */

export const AUTHORITY_DOCUMENT_KINDS: Record<AuthorityDocumentKind, string> = {
  signed_authorisation: 'Authorisation signed by the subject',
  power_of_attorney: 'Power of attorney',
  parental_responsibility: 'Proof of parental responsibility or guardianship',
  court_order: 'Court order or appointment (deputy, guardian)',
  other: 'Other document',
};

type AgentFields = Pick<RequestRow, 'requester_role' | 'subject_email' | 'email' | 'email_key'>;
type AuthorityFields = AgentFields &
  Pick<RequestRow, 'subject_confirmed_at' | 'subject_confirmed_via' | 'authority_checked_at' | 'authority_checked_by' | 'authority_document_kind' | 'authority_document'>;

/** The address whose data the request is about: the subject's for an agent's request, else the requester's own. */
export function subjectAddressOf(request: Pick<RequestRow, 'requester_role' | 'subject_email' | 'email'>): string {
  return request.requester_role === 'representative' && request.subject_email ? request.subject_email : request.email;
}

/** True when the request is about someone other than the person who filed (and proved) it. */
export function actsForAnotherPerson(request: AgentFields): boolean {
  if (request.requester_role !== 'representative' || !request.subject_email) return false;
  return normalizeEmail(request.subject_email) !== (request.email_key ?? normalizeEmail(request.email));
}

/** Whether the request may reach the subject's data: their own request, or the subject confirmed, or staff checked the authority. */
export function mayReachSubjectData(request: AuthorityFields): boolean {
  return !actsForAnotherPerson(request) || request.subject_confirmed_at !== null || request.authority_checked_at !== null;
}

export type AuthoritySummary =
  | { forAnotherPerson: false }
  | {
      forAnotherPerson: true;
      established: boolean;
      subjectConfirmed: { at: string; via: 'email' | 'account' } | null;
      attestation: { at: string; by: string | null; kind: AuthorityDocumentKind; kindLabel: string; document: string | null } | null;
    };

/** What staff are shown about a request's authority (serialisable for a loader). */
export function authoritySummary(request: AuthorityFields): AuthoritySummary {
  if (!actsForAnotherPerson(request)) return { forAnotherPerson: false };
  return {
    forAnotherPerson: true,
    established: mayReachSubjectData(request),
    subjectConfirmed: request.subject_confirmed_at
      ? { at: new Date(request.subject_confirmed_at).toISOString(), via: request.subject_confirmed_via ?? 'email' }
      : null,
    attestation:
      request.authority_checked_at && request.authority_document_kind
        ? {
            at: new Date(request.authority_checked_at).toISOString(),
            by: request.authority_checked_by,
            kind: request.authority_document_kind,
            kindLabel: AUTHORITY_DOCUMENT_KINDS[request.authority_document_kind],
            document: request.authority_document,
          }
        : null,
  };
}

/** Why an erasure of an agent's request cannot go ahead yet; null when it can. */
export function erasureAuthorityProblem(request: AuthorityFields): string | null {
  if (mayReachSubjectData(request)) return null;
  return (
    'This erasure was filed by a representative for another person, who has not confirmed it, and no check of the ' +
    "representative's authority is recorded. Nothing was erased. Ask the subject to confirm, or record the authority check " +
    '(naming the document you checked) on the request page first.'
  );
}
