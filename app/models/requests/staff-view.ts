/**
 * Pure wording rules of the staff request page, kept apart so they can be tested without a
 * database or a browser.
 */

/**
 * How the request is tied to an account, truthfully in every case. A request filed while
 * signed in with the account's confirmed address was verified by the system at once (its
 * `verify` event is the system's); every other request was verified by the subject's email
 * link, or not yet. After an erasure the account and the request's link to it are gone, but
 * the timeline still says how it was verified.
 */
export function accountLine(input: {
  account: { email: string } | null | undefined;
  /** Who verified the request: 'system' (filed while signed in), 'subject' (email link), or null (not yet). */
  verifiedBy: 'system' | 'subject' | 'staff' | null;
  /** The request was reduced to its proof record (erasure or retention). */
  personalDataDeleted: boolean;
  state: string;
}): string {
  if (input.account) return `Signed-in account ${input.account.email}`;
  if (input.verifiedBy === 'system') {
    return input.personalDataDeleted
      ? 'Erased: the request was filed from a signed-in account, deleted with the personal data'
      : 'Deleted since: the request was filed from a signed-in account';
  }
  if (input.verifiedBy === 'subject') return 'None: verified by email link';
  if (input.state === 'unverified') return 'None: the email address is not confirmed yet';
  return 'None: the email address was never confirmed';
}
