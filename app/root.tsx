import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  LiveReload,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useMatches,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react';
import type { ReactNode } from 'react';
import stylesHref from '~/styles/app.css';
import { getOptionalUser } from '~/utils/auth.server';
import { useNonce } from '~/utils/nonce';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesHref },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = () => [
  { title: 'Privacy Portal' },
  { name: 'description', content: 'Exercise your data-protection rights and see who processes your data.' },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return json({ user: await getOptionalUser(request, context) });
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  // Undefined in the error boundary when the root loader itself failed.
  const user = useRouteLoaderData<typeof loader>('root')?.user;
  // Pages served from shared caches carry no script, so no per-response nonce ends up in a cache.
  const scripts = !useMatches().some((match) => (match.handle as { scripts?: boolean } | undefined)?.scripts === false);
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <Link to="/" className="brand">
            Privacy Portal
          </Link>
          <nav aria-label="Main">
            <ul>
              <li>
                <NavLink to="/requests/new">Make a request</NavLink>
              </li>
              <li>
                <NavLink to="/subprocessors">Subprocessors</NavLink>
              </li>
              {user ? (
                <>
                  <li className="signed-in-as">{user.email}</li>
                  {user.role !== 'subject' ? (
                    <li>
                      <NavLink to="/staff">Staff console</NavLink>
                    </li>
                  ) : null}
                  <li>
                    <NavLink to="/account">Account</NavLink>
                  </li>
                  <li>
                    <Form method="post" action="/logout">
                      <button type="submit" className="link-button">
                        Sign out
                      </button>
                    </Form>
                  </li>
                </>
              ) : (
                <>
                  <li>
                    <NavLink to="/login">Sign in</NavLink>
                  </li>
                  <li>
                    <NavLink to="/signup">Create account</NavLink>
                  </li>
                </>
              )}
            </ul>
          </nav>
        </header>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <p>Privacy Portal — your rights under the GDPR, online.</p>
        </footer>
        {scripts ? (
          <>
            <ScrollRestoration nonce={nonce} />
            <Scripts nonce={nonce} />
            <LiveReload nonce={nonce} />
          </>
        ) : null}
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <section className="error-page">
        <h1>Page not found</h1>
        <p>There is no page at this address. It may have moved, or the link may be mistyped.</p>
        <p>
          <Link to="/">Go to the home page</Link>
        </p>
      </section>
    );
  }
  // Nothing internal (messages, stacks) reaches the page; the server logs the details.
  const status = isRouteErrorResponse(error) ? error.status : 500;
  if (status === 503) {
    // The database is out of reach (restarting, failing over): nothing was lost, try again soon.
    return (
      <section className="error-page">
        <h1>Temporarily unavailable</h1>
        <p>
          The portal cannot reach its database right now, usually for a few seconds during maintenance. If you were
          sending a form, it was not saved: please send it again in a moment.
        </p>
        <p>
          <Link to="/">Go to the home page</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="error-page">
      <h1>{status >= 500 ? 'Something went wrong' : 'This request could not be completed'}</h1>
      <p>
        {status >= 500
          ? 'An unexpected error stopped this page. It has been logged; please try again in a moment.'
          : 'The request was not accepted. Please go back and try again.'}
      </p>
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </section>
  );
}
