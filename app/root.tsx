import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import {
  isRouteErrorResponse,
  Link,
  Links,
  LiveReload,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useMatches,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react';
import type { ReactNode } from 'react';
import { I18nextProvider } from 'react-i18next';
import { useTranslation } from '~/utils/i18n-react';
import { SiteFooter, SiteHeader, type PublicOrganisation } from '~/components/site-chrome';
import stylesHref from '~/styles/app.css';
import { getOptionalUser } from '~/utils/auth.server';
import { DEFAULT_LANGUAGE, i18nFor, isLanguage, tFor, type Language } from '~/utils/i18n';
import { languageCookie, resolveLanguage } from '~/utils/language.server';
import { formFailed } from '~/utils/form-outcome.server';
import { pageMeta } from '~/utils/meta';
import { useNonce } from '~/utils/nonce';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesHref },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'meta.site' });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { lang, source } = resolveLanguage(request);
  const headers = new Headers();
  // A choice made with the switcher (?lng=) is remembered; a browser's Accept-Language is not stored.
  if (source === 'query') headers.append('Set-Cookie', languageCookie(lang, context.config.env === 'production'));
  return json(
    { user: await getOptionalUser(request, context), lang, org: context.config.organisation as PublicOrganisation, formFailed: formFailed(context) },
    { headers },
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  // Undefined in the error boundary when the root loader itself failed.
  const data = useRouteLoaderData<typeof loader>('root');
  const lang: Language = isLanguage(data?.lang) ? data.lang : DEFAULT_LANGUAGE;
  // Pages served from shared caches carry no script, so no per-response nonce ends up in a cache.
  const scripts = !useMatches().some((match) => (match.handle as { scripts?: boolean } | undefined)?.scripts === false);
  return (
    <I18nextProvider i18n={i18nFor(lang)}>
      <html lang={lang}>
        <head>
          <meta charSet="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <Meta />
          <Links />
        </head>
        <body>
          <a className="skip-link" href="#main">
            {tFor(lang)('layout.skip')}
          </a>
          <SiteHeader org={data?.org} user={data?.user} lang={lang} />
          <main id="main" tabIndex={-1}>
            {children}
          </main>
          <SiteFooter org={data?.org} />
          {scripts ? (
            <>
              <ScrollRestoration nonce={nonce} />
              <Scripts nonce={nonce} />
              <LiveReload nonce={nonce} />
            </>
          ) : null}
        </body>
      </html>
    </I18nextProvider>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const { t } = useTranslation();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  // Nothing internal (messages, stacks) reaches the page; the server logs the details.
  const [title, text] =
    status === 404
      ? [t('error.notFoundTitle'), t('error.notFound')]
      : status === 503
        ? // The database is out of reach (restarting, failing over): nothing was lost, try again soon.
          [t('error.unavailableTitle'), t('error.unavailable')]
        : status >= 500
        ? [t('error.serverTitle'), t('error.server')]
        : [t('error.clientTitle'), t('error.client')];
  return (
    <section className="error-page">
      <h1>{title}</h1>
      <p>{text}</p>
      <p>
        <Link to="/">{t('error.home')}</Link>
      </p>
    </section>
  );
}
