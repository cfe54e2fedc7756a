/** C0 and C1 control characters other than tab, line feed and carriage return, and DEL. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * A search or filter term as people mean it: control characters dropped, outer spaces trimmed.
 * PostgreSQL cannot hold U+0000 in text at all, so a filter that reached it unchanged was a 500.
 */
export function searchTerm(value: string): string {
  return value.replace(CONTROL, '').trim();
}

/** Control characters a person never types (tab and line breaks aside); U+0000 among them, which PostgreSQL cannot store. */
const TYPED_TEXT_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** The same, with line breaks and tabs too: for one-line fields. */
const ONE_LINE_CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

/** True when text holds a control character nobody types (a NUL, an escape); `oneLine` refuses line breaks and tabs too. */
export function hasControlCharacters(value: string, options: { oneLine?: boolean } = {}): boolean {
  return (options.oneLine ? ONE_LINE_CONTROL : TYPED_TEXT_CONTROL).test(value);
}

/** What a staff form says about one (staff pages are in English). */
export const STAFF_CONTROL_ERROR = 'Remove control characters (such as NUL) from this text';
