import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_LANGUAGE, LANGUAGES, tFor, type Language } from '~/utils/i18n';
import { languageFromAcceptLanguage } from '~/utils/language.server';
import { escapeHtml } from '~/utils/mail-template';
import { REDACTED, redactText } from '~/utils/redact';

/**
 * The longest request target (path and query) the portal reads. Every link it makes is far
 * shorter; a longer one is refused before anything else looks at it (the public cache, the
 * request log, Express, Remix), so no code runs on the length an attacker picks.
 */
export const MAX_URL_LENGTH = 4096;

const tooLongPages = new Map<Language, Buffer>(
  LANGUAGES.map((lang) => {
    const t = tFor(lang);
    const title = escapeHtml(t('error.uriTooLongTitle'));
    return [
      lang,
      Buffer.from(
        `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title></head>` +
          `<body><main><h1>${title}</h1><p>${escapeHtml(t('error.uriTooLong', { max: MAX_URL_LENGTH }))}</p><p><a href="/">Privacy Portal</a></p></main></body></html>`,
      ),
    ];
  }),
);

/**
 * Answers 414 when the request target is longer than MAX_URL_LENGTH and says so (true): the
 * caller stops there. The body is not read, so the connection closes after the answer.
 */
export function refuseOverlongUrl(req: IncomingMessage, res: ServerResponse): boolean {
  if ((req.url?.length ?? 0) <= MAX_URL_LENGTH) return false;
  const page = tooLongPages.get(languageFromAcceptLanguage(req.headers['accept-language']) ?? DEFAULT_LANGUAGE)!;
  res.writeHead(414, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': page.length,
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'SAMEORIGIN',
    'Referrer-Policy': 'no-referrer',
    Vary: 'Accept-Language',
    Connection: 'close',
  });
  res.end(req.method === 'HEAD' ? undefined : page);
  return true;
}

/** Staff pages: their query strings are searches and filters (an email, a name, a reference). */
const isStaffPath = (pathname: string) => {
  const lower = pathname.toLowerCase();
  return lower === '/staff' || lower.startsWith('/staff/');
};

/**
 * The URL as the request log writes it. Credentials are masked as everywhere (redactText). On
 * staff pages every query value is masked too (`/staff/requests?q=[REDACTED]&state=[REDACTED]`):
 * what staff search for is personal data, and the log is kept longer and more widely than the
 * audit trail. `redirectTo` is masked on every page: it carries the page a person was going to,
 * a staff search included (`/login?redirectTo=/staff/requests?q=…`).
 */
export function requestLogUrl(url: string): string {
  const at = url.indexOf('?');
  if (at === -1) return redactText(url);
  const pathname = url.slice(0, at);
  const staff = isStaffPath(pathname);
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return staff && pair !== 'index' && pair !== '' ? REDACTED : pair;
      const name = pair.slice(0, eq);
      return staff || name === 'redirectTo' ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return redactText(`${pathname}?${query}`);
}
