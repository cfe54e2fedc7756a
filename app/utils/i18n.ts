import i18next, { type i18n, type TFunction } from 'i18next';
import { de } from '~/locales/de';
import { en } from '~/locales/en';
import { fr } from '~/locales/fr';

/**
 * The languages a subject or visitor can read the portal in. Catalogs are bundled (a few KB
 * each) so the browser hydrates with the same words the server rendered, without a fetch.
 */
export const LANGUAGES = ['en', 'de', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** Each language's own name, for the switcher. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', de: 'Deutsch', fr: 'Français' };

export const CATALOGS = { en, de, fr } as const;

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

const instances = new Map<Language, i18n>();

/** One initialised i18next instance per language, built once (init is synchronous: resources are in memory). */
export function i18nFor(lang: Language): i18n {
  let instance = instances.get(lang);
  if (!instance) {
    instance = i18next.createInstance();
    void instance.init({
      lng: lang,
      fallbackLng: false,
      supportedLngs: [...LANGUAGES],
      resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: CATALOGS[l] }])),
      initAsync: false,
      // React escapes what it renders; emails escape in renderMail.
      interpolation: { escapeValue: false },
      returnNull: false,
    });
    instances.set(lang, instance);
  }
  return instance;
}

const fastT = new WeakMap<i18n, TFunction>();

/**
 * The instance's `t`, remembering the words of keys asked for without options (most of a page):
 * a catalog lookup through i18next costs microseconds, and a page asks for a hundred. Calls with
 * options (interpolation, plurals) go to i18next every time, so no value passed in is kept.
 */
export function translatorOf(instance: i18n): TFunction {
  let t = fastT.get(instance);
  if (!t) {
    const slow = instance.t.bind(instance) as unknown as (...args: unknown[]) => unknown;
    const words = new Map<string, string>();
    t = ((key: unknown, ...rest: unknown[]) => {
      if (rest.length === 0 && typeof key === 'string') {
        let word = words.get(key);
        if (word === undefined) {
          word = slow(key) as string;
          // The catalogs hold a few hundred keys; a key built from input must not grow this without end.
          if (words.size < 5000) words.set(key, word);
        }
        return word;
      }
      return slow(key, ...rest);
    }) as unknown as TFunction;
    fastT.set(instance, t);
  }
  return t;
}

export function tFor(lang: Language): TFunction {
  return translatorOf(i18nFor(lang));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(lang: Language, options: Intl.DateTimeFormatOptions & { timeZone: string }) {
  const key = `${lang}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[lang], options);
    formatters.set(key, f);
  }
  return f;
}

/** The regional form each language's dates and numbers take. */
const LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR' };

/** A calendar date (YYYY-MM-DD) for people: "1 February 2026", "1. Februar 2026", "1 février 2026". */
export function formatDay(lang: Language, date: string): string {
  return dateFormatter(lang, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date.slice(0, 10)}T00:00:00Z`),
  );
}

/** A calendar date with its weekday, for deadlines: "Monday 2 March 2026". */
export function formatDeadline(lang: Language, date: string): string {
  const text = dateFormatter(lang, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date.slice(0, 10)}T00:00:00Z`),
  );
  // British usage writes "Monday 2 March 2026"; German keeps its comma after the weekday.
  return lang === 'en' ? text.replace(/^(\p{L}+),/u, '$1') : text;
}

/** An instant in the portal's time zone, with the zone named: "2 March 2026, 14:05 GMT". */
export function formatInstant(lang: Language, iso: string, timeZone: string): string {
  return dateFormatter(lang, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(new Date(iso)) +
    ` (${timeZoneName(lang, iso, timeZone)})`;
}

function timeZoneName(lang: Language, iso: string, timeZone: string): string {
  const parts = dateFormatter(lang, { timeZone, timeZoneName: 'long' }).formatToParts(new Date(iso));
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

const numberFormats = new Map<Language, Intl.NumberFormat>();
export function formatNumber(lang: Language, value: number): string {
  let f = numberFormats.get(lang);
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: 1 });
    numberFormats.set(lang, f);
  }
  return f.format(value);
}

/**
 * A validation message from the server: a catalog key (`errors.type`), optionally with a limit
 * (`errors.tooLong:200`); anything else is shown as it is.
 */
export function translateError(t: TFunction, message: string | undefined): string | undefined {
  if (!message) return undefined;
  // A key looks like `section.name`, optionally `:N`; a sentence (with spaces) is already words.
  if (!/^[a-z]\w*(\.\w+)+(:\d+)?$/.test(message)) return message;
  const [key, max] = message.split(':');
  return t(key!, { max });
}
