/**
 * Intl formatters are costly to build (about half a millisecond each) and cheap to reuse:
 * every formatter in the app comes from here, built once per locale and options.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, formatter);
  }
  return formatter;
}

const regions = new Map<string, Intl.DisplayNames>();

/** Country names in one language ("Deutschland" for DE in German), built once per locale. */
export function regionNames(locale: string): Intl.DisplayNames {
  let names = regions.get(locale);
  if (!names) {
    names = new Intl.DisplayNames([locale], { type: 'region' });
    regions.set(locale, names);
  }
  return names;
}
