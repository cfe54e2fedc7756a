import { Form, Link, NavLink, useLocation, useRouteLoaderData } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { LANGUAGE_NAMES, LANGUAGES, type Language } from '~/utils/i18n';

/** What the browser may know of the organisation: all of it is public (Art. 13(1)(a)-(b), 12(4)). */
export type PublicOrganisation = {
  name: string;
  postalAddress: string;
  privacyEmail: string;
  dpo?: { name: string; email?: string } | undefined;
  representative?: string | undefined;
  authority: { name: string; address: string; url: string };
  links: { privacyNotice?: string; dpa?: string; transfers?: string };
  demo: boolean;
};

/** The organisation as the root loader passed it; undefined only in a failed root. */
export function useOrganisation(): PublicOrganisation | undefined {
  return (useRouteLoaderData('root') as { org?: PublicOrganisation } | undefined)?.org;
}

type User = { email: string; role: string } | null | undefined;

/** The same page in another language: `?lng=` on the current address (no JavaScript needed). */
function LanguageSwitcher({ lang }: { lang: Language }) {
  const { t } = useTranslation();
  const location = useLocation();
  const hrefFor = (l: Language) => {
    const params = new URLSearchParams(location.search);
    params.set('lng', l);
    return `${location.pathname}?${params.toString()}`;
  };
  return (
    <nav aria-label={t('layout.language')} className="languages">
      <ul>
        {LANGUAGES.map((l) => (
          <li key={l}>
            {l === lang ? (
              <span aria-current="true" lang={l}>
                {LANGUAGE_NAMES[l]}
              </span>
            ) : (
              <a href={hrefFor(l)} lang={l} hrefLang={l}>
                {LANGUAGE_NAMES[l]}
              </a>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function SiteHeader({ org, user, lang }: { org: PublicOrganisation | undefined; user: User; lang: Language }) {
  const { t } = useTranslation();
  return (
    <header className="site-header">
      <p className="brand-line">
        <Link to="/" className="brand">
          {org?.name ?? t('meta.site')}
        </Link>
        {org?.demo ? <span className="badge">{t('identity.example')}</span> : null}
      </p>
      {/* A menu behind a button on a phone, a row of links on a wide screen; <details> needs no JavaScript. */}
      <details className="menu">
        <summary>{t('layout.menu')}</summary>
        <div className="menu-content">
          <nav aria-label={t('layout.mainNav')}>
            <ul>
              <li>
                <NavLink to="/requests/new">{t('layout.makeRequest')}</NavLink>
              </li>
              <li>
                <NavLink to="/subprocessors">{t('layout.subprocessors')}</NavLink>
              </li>
              <li>
                <NavLink to="/service-status">{t('serviceStatus.nav')}</NavLink>
              </li>
              {user ? (
                <>
                  <li className="signed-in-as">{user.email}</li>
                  {user.role !== 'subject' ? (
                    <li>
                      <NavLink to="/staff">{t('layout.staff')}</NavLink>
                    </li>
                  ) : null}
                  <li>
                    <NavLink to="/account">{t('layout.account')}</NavLink>
                  </li>
                  <li>
                    <Form method="post" action="/logout">
                      <button type="submit" className="link-button">
                        {t('layout.signOut')}
                      </button>
                    </Form>
                  </li>
                </>
              ) : (
                <>
                  <li>
                    <NavLink to="/login">{t('layout.signIn')}</NavLink>
                  </li>
                  <li>
                    <NavLink to="/signup">{t('layout.createAccount')}</NavLink>
                  </li>
                </>
              )}
            </ul>
          </nav>
          <LanguageSwitcher lang={lang} />
        </div>
      </details>
    </header>
  );
}

/** Who runs the portal and how to reach them and the authority: on every page. */
export function SiteFooter({ org }: { org: PublicOrganisation | undefined }) {
  const { t } = useTranslation();
  if (!org) return <footer className="site-footer" />;
  const links = [
    ['privacyNotice', org.links.privacyNotice],
    ['dpa', org.links.dpa],
    ['transfers', org.links.transfers],
  ] as const;
  return (
    <footer className="site-footer">
      {org.demo ? <p className="callout">{t('identity.exampleNotice')}</p> : null}
      <p>{t('identity.runBy', { name: org.name })}</p>
      <dl className="identity">
        <dt>{t('identity.address')}</dt>
        <dd>{org.postalAddress}</dd>
        <dt>{t('identity.privacyContact')}</dt>
        <dd>
          <a href={`mailto:${org.privacyEmail}`}>{org.privacyEmail}</a>
        </dd>
        {org.dpo ? (
          <>
            <dt>{t('identity.dpo')}</dt>
            <dd>
              {org.dpo.name}
              {org.dpo.email ? (
                <>
                  {' '}
                  (<a href={`mailto:${org.dpo.email}`}>{org.dpo.email}</a>)
                </>
              ) : null}
            </dd>
          </>
        ) : null}
        {org.representative ? (
          <>
            <dt>{t('identity.representative')}</dt>
            <dd>{org.representative}</dd>
          </>
        ) : null}
        <dt>{t('identity.authority')}</dt>
        <dd>
          <a href={org.authority.url} rel="noopener noreferrer">
            {org.authority.name}
          </a>
          <span className="block">{org.authority.address}</span>
        </dd>
      </dl>
      <p>{t('identity.complaint', { authority: org.authority.name })}</p>
      {links.some(([, href]) => href) ? (
        <ul className="footer-links">
          {links.map(([key, href]) =>
            href ? (
              <li key={key}>
                <a href={href}>{t(`identity.${key}`)}</a>
              </li>
            ) : null,
          )}
        </ul>
      ) : null}
    </footer>
  );
}
