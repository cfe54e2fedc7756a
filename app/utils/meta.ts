import type { MetaDescriptor } from '@remix-run/node';
import { DEFAULT_LANGUAGE, isLanguage, tFor, type Language } from '~/utils/i18n';

type RootData = { lang?: string; org?: { name: string }; formFailed?: boolean };
type Matches = ReadonlyArray<{ id: string; data: unknown } | undefined>;

/** The language and organisation name the root loader chose, for `meta` exports (which cannot use hooks). */
export function rootInfo(matches: Matches): { lang: Language; orgName: string; formFailed: boolean } {
  const root = matches.find((m) => m?.id === 'root')?.data as RootData | undefined;
  const lang = isLanguage(root?.lang) ? root.lang : DEFAULT_LANGUAGE;
  return { lang, orgName: root?.org?.name ?? tFor(lang)('meta.site'), formFailed: root?.formFailed === true };
}

/**
 * A public page's title ("Make a request — Example Ltd") and description, both from the
 * catalogs in the visitor's language.
 */
export function pageMeta(
  matches: Matches,
  keys: { title: string; description?: string; titleValues?: Record<string, string>; errorTitle?: string },
): MetaDescriptor[] {
  const { lang, orgName, formFailed } = rootInfo(matches);
  const t = tFor(lang);
  const titleKey = formFailed && keys.errorTitle ? keys.errorTitle : keys.title;
  const title = t('meta.titled', { title: t(titleKey, keys.titleValues ?? {}), org: orgName });
  const description = t(keys.description ?? 'meta.description', { org: orgName });
  return [{ title }, { name: 'description', content: description }];
}
