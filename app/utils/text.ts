/** C0 and C1 control characters other than tab, line feed and carriage return, and DEL. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * A search or filter term as people mean it: control characters dropped, outer spaces trimmed.
 * PostgreSQL cannot hold U+0000 in text at all, so a filter that reached it unchanged was a 500.
 */
export function searchTerm(value: string): string {
  return value.replace(CONTROL, '').trim();
}
