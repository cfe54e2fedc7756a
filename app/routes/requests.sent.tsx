import type { MetaFunction } from '@remix-run/node';
import { Link } from '@remix-run/react';

export const meta: MetaFunction = () => [{ title: 'Check your email — Privacy Portal' }];

// The same page whether the request was new, a duplicate or caught by the honeypot: it tells
// nobody whether an address already has a request with us. The email says which it was.
export default function RequestSent() {
  return (
    <section className="narrow">
      <h1>Check your email</h1>
      <p className="notice" role="status">
        We have sent a message to the address you gave. Open the link in it and confirm to start your request.
      </p>
      <p>
        The link is valid for 7 days. If you already have an open request of the same kind, the message says so and links
        to it instead: no second request is started.
      </p>
      <p>
        No message after a few minutes? Check your spam folder, or <Link to="/requests/new">make the request again</Link>.
      </p>
    </section>
  );
}
