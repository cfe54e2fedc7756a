import { useContext } from 'react';
import type { i18n, TFunction } from 'i18next';
import { I18nContext } from 'react-i18next';
import { DEFAULT_LANGUAGE, i18nFor, translatorOf } from '~/utils/i18n';

/**
 * `useTranslation` for this app's components: the language's instance from the root's
 * I18nextProvider and its remembering `t` (translatorOf). react-i18next's own hook builds a new
 * fixed `t` and wrapper on every call, a measurable share of rendering a page; the language of
 * an instance never changes here (one instance per language, chosen by the root), so there is
 * nothing for it to subscribe to.
 */
export function useTranslation(): { t: TFunction; i18n: i18n } {
  const instance = useContext(I18nContext)?.i18n ?? i18nFor(DEFAULT_LANGUAGE);
  return { t: translatorOf(instance), i18n: instance };
}
