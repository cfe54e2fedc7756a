import type { MetaFunction } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { useTranslation } from '~/utils/i18n-react';
import { pageMeta } from '~/utils/meta';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'sent.title' });

// The same page whether the request was new, a duplicate or caught by the honeypot: it tells
// nobody whether an address already has a request with us. The email says which it was.
export default function RequestSent() {
  const { t } = useTranslation();
  return (
    <section className="narrow">
      <h1>{t('sent.title')}</h1>
      <p className="notice" role="status">
        {t('sent.body')}
      </p>
      <p>{t('sent.validity')}</p>
      <p>
        {t('sent.noMail')} <Link to="/requests/new">{t('layout.makeRequest')}</Link>
      </p>
    </section>
  );
}
