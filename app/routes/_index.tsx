import type { MetaFunction } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { useOrganisation } from '~/components/site-chrome';
import { REQUEST_TYPE_VALUES } from '~/models/requests/request-types';
import { pageMeta } from '~/utils/meta';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'home.title', description: 'home.metaDescription' });

export default function Index() {
  const { t } = useTranslation();
  const org = useOrganisation();
  return (
    <>
      <section className="hero">
        <h1>{t('home.title')}</h1>
        <p className="lead">{t('home.lead', { org: org?.name ?? '' })}</p>
        <p>
          <Link className="button" to="/requests/new">
            {t('home.cta')}
          </Link>
        </p>
      </section>
      <section aria-labelledby="rights-heading">
        <h2 id="rights-heading">{t('home.rightsHeading')}</h2>
        <ul className="rights">
          {REQUEST_TYPE_VALUES.map((type) => (
            <li key={type}>
              <strong>{t(`requestTypes.${type}.label`)}</strong>: {t(`requestTypes.${type}.description`)}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="more-heading">
        <h2 id="more-heading">{t('home.moreHeading')}</h2>
        <ul>
          <li>
            <Link to="/subprocessors">{t('home.subprocessorsLink')}</Link>: {t('home.moreSubprocessors')}
          </li>
          <li>
            {t('home.moreAccount')} <Link to="/login">{t('home.signInLink')}</Link> · <Link to="/signup">{t('home.signUpLink')}</Link>
          </li>
          <li>
            <Link to="/staff">{t('layout.staff')}</Link> {t('home.moreStaff')}
          </li>
        </ul>
      </section>
      {org ? <p>{t('identity.contactUs', { email: org.privacyEmail })}</p> : null}
    </>
  );
}
