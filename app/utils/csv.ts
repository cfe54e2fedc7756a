/**
 * CSV (RFC 4180) for spreadsheets: every field quoted, quotes doubled, and a cell a spreadsheet
 * would run as a formula (starting with = + - @, a tab or a carriage return) made text with a
 * leading apostrophe (OWASP "CSV injection"). Only text is escaped: numbers come from the portal.
 */
export function csvCell(value: string | number | null | undefined): string {
  // A number the portal computed (days left, possibly negative) stays a number.
  if (typeof value === 'number') return `"${value}"`;
  const text = value ?? '';
  return `"${(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text).replace(/"/g, '""')}"`;
}

/** One record, CRLF-terminated. */
export function csvLine(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
