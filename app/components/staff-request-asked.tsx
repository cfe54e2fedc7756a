import { en } from '~/locales/en';

/** Everything the subject gave on the request form (requests.new.tsx), as staff need it. */
export type AskedFacts = {
  requesterRole: 'self' | 'representative';
  subjectName: string | null;
  subjectEmail: string | null;
  agentRelationship: string | null;
  scope: string | null;
  /** "3 January 2026 to 2 February 2026", formatted on the server. */
  period: string | null;
  accountIdentifier: string | null;
  aliases: string | null;
  preferredFormat: string | null;
  /** "Germany (DE)", named on the server. */
  country: string | null;
  details: string | null;
  language: string;
  /** The agent's proof of authority, sent with the form. */
  authorisation: { href: string; filename: string } | null;
};

const label = (table: Record<string, string>, key: string | null) => (key ? (table[key] ?? key) : null);

/**
 * What the subject asked for and gave, every field of the form, in the staff's English. An
 * empty answer says so ("not narrowed", "none given"), so staff can tell it from a missing field.
 */
export function StaffRequestAsked({ asked, erased }: { asked: AskedFacts; erased: boolean }) {
  if (erased) {
    return (
      <section aria-labelledby="asked-heading">
        <h2 id="asked-heading">What the subject gave</h2>
        <p>Erased with the rest of the personal data: only the proof record above remains.</p>
      </section>
    );
  }
  const format = label(en.formats, asked.preferredFormat);
  const none = <span className="muted">None given</span>;
  return (
    <section aria-labelledby="asked-heading">
      <h2 id="asked-heading">What the subject gave</h2>
      <dl className="request-facts">
        <dt>Filed by</dt>
        <dd>{asked.requesterRole === 'representative' ? 'A representative, for someone else' : 'The subject themselves'}</dd>
        {asked.requesterRole === 'representative' ? (
          <>
            <dt>Acting for</dt>
            <dd>
              {asked.subjectName} &lt;{asked.subjectEmail}&gt;
            </dd>
            <dt>Relationship</dt>
            <dd>{label(en.relationships, asked.agentRelationship) ?? none}</dd>
            <dt>Authorisation</dt>
            <dd>{asked.authorisation ? <a href={asked.authorisation.href}>{asked.authorisation.filename}</a> : none}</dd>
          </>
        ) : null}
        <dt>Which data or systems</dt>
        <dd className="prewrap">{asked.scope ?? <span className="muted">Everything (not narrowed)</span>}</dd>
        <dt>Period</dt>
        <dd>{asked.period ?? <span className="muted">Any time (not narrowed)</span>}</dd>
        <dt>Account identifier</dt>
        <dd>{asked.accountIdentifier ?? none}</dd>
        <dt>Other names, emails or identifiers</dt>
        <dd className="prewrap">{asked.aliases ?? none}</dd>
        <dt>Preferred format</dt>
        <dd>
          {format ?? <span className="muted">None chosen</span>}
          {asked.preferredFormat === 'pdf' ? ': the package adds summary.pdf, also downloadable on its own' : null}
          {asked.preferredFormat === 'csv' ? ': the package adds data.csv, also downloadable on its own' : null}
        </dd>
        <dt>Country of residence</dt>
        <dd>{asked.country ?? <span className="muted">Not given</span>}</dd>
        <dt>Language</dt>
        <dd>{asked.language}: every email to the subject is in it, so write questions and answers in it too</dd>
        <dt>Details</dt>
        <dd className="prewrap">{asked.details ?? none}</dd>
      </dl>
    </section>
  );
}
