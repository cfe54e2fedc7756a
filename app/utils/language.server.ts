import Negotiator from 'negotiator';
import { DEFAULT_LANGUAGE, isLanguage, LANGUAGES, type Language } from '~/utils/i18n';

export const LANGUAGE_COOKIE = 'lang';

/**
 * The language of one request, from what the visitor chose (`?lng=`, then the `lang` cookie
 * the switcher set) or else what their browser asks for (Accept-Language). Everything it
 * depends on is in the URL or a header, so a cache can key on it (see `languageVary`).
 */
export function resolveLanguage(request: Request): { lang: Language; source: 'query' | 'cookie' | 'header' | 'default' } {
  const query = new URL(request.url).searchParams.get('lng');
  if (isLanguage(query)) return { lang: query, source: 'query' };
  const cookie = readCookie(request.headers.get('Cookie'), LANGUAGE_COOKIE);
  if (isLanguage(cookie)) return { lang: cookie, source: 'cookie' };
  const fromHeader = languageFromAcceptLanguage(request.headers.get('Accept-Language'));
  return fromHeader ? { lang: fromHeader, source: 'header' } : { lang: DEFAULT_LANGUAGE, source: 'default' };
}

/** The best of our languages for an Accept-Language header, or undefined when it names none of them. */
export function languageFromAcceptLanguage(accept: string | null | undefined): Language | undefined {
  if (!accept) return undefined;
  const [best] = new Negotiator({ headers: { 'accept-language': accept } }).languages([...LANGUAGES]);
  return isLanguage(best) ? best : undefined;
}

export function languageOf(request: Request): Language {
  return resolveLanguage(request).lang;
}

/** Remembers a switcher choice for a year; only set when the URL carried `?lng=`. */
export function languageCookie(lang: Language, secure: boolean): string {
  return `${LANGUAGE_COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
