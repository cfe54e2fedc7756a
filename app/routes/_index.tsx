import type { MetaFunction } from '@remix-run/node';
import { Link } from '@remix-run/react';

export const meta: MetaFunction = () => [{ title: 'Privacy Portal' }];

const RIGHTS = [
  ['Access', 'get a copy of the personal data held about you (Art. 15)'],
  ['Rectification', 'have inaccurate data corrected (Art. 16)'],
  ['Erasure', 'have your data deleted (Art. 17)'],
  ['Restriction', 'limit how your data is used while a question is settled (Art. 18)'],
  ['Portability', 'receive your data in a machine-readable format (Art. 20)'],
  ['Objection', 'object to processing based on legitimate interests or for marketing (Art. 21)'],
] as const;

export default function Index() {
  return (
    <>
      <section className="hero">
        <h1>Your data, your rights</h1>
        <p className="lead">
          This portal is where you exercise your rights under the General Data Protection Regulation: ask what
          data is held about you, have it corrected or erased, and follow your request until it is answered —
          within one month, as the law requires.
        </p>
        <p>
          <Link className="button" to="/requests/new">
            Make a request
          </Link>
        </p>
      </section>
      <section aria-labelledby="rights-heading">
        <h2 id="rights-heading">What you can ask for</h2>
        <ul className="rights">
          {RIGHTS.map(([name, text]) => (
            <li key={name}>
              <strong>{name}</strong>: {text}.
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="more-heading">
        <h2 id="more-heading">More</h2>
        <ul>
          <li>
            <Link to="/subprocessors">Subprocessors</Link>: the companies that process personal data on our behalf,
            with a dated history of changes and feeds to follow them.
          </li>
          <li>
            <Link to="/login">Sign in</Link> to follow your requests, or <Link to="/signup">create an account</Link>.
          </li>
          <li>
            <Link to="/staff">Staff console</Link> for the privacy team.
          </li>
        </ul>
      </section>
    </>
  );
}
