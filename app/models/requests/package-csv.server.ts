import { stringify } from 'csv-stringify/sync';
import { PACKAGE_KEYS, type PackageData } from '~/models/requests/package-summary.server';

/**
 * `data.csv`: everything `data.json` holds, for a subject who asked for CSV, as one table a
 * spreadsheet opens: one value per row, `section` (a top-level key of data.json), `field` (the
 * path inside it, list positions counted from 1) and `value`. An empty list or a missing value
 * is a row with an empty value, so every section appears. UTF-8 with a byte-order mark, which
 * spreadsheet programs need to read it as UTF-8.
 *
 * A value that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
 * return) is prefixed with an apostrophe, the OWASP advice for CSV injection; data.json keeps
 * every value exactly.
 */

type Row = [section: string, field: string, value: string];

const FORMULA = /^[=+\-@\t\r]/;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return FORMULA.test(text) ? `'${text}` : text;
}

function flatten(section: string, path: string, value: unknown, rows: Row[]) {
  if (Array.isArray(value)) {
    if (value.length === 0) rows.push([section, path, '']);
    value.forEach((item, i) => flatten(section, path ? `${path}.${i + 1}` : String(i + 1), item, rows));
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) rows.push([section, path, '']);
    for (const [key, inner] of entries) flatten(section, path ? `${path}.${key}` : key, inner, rows);
  } else {
    rows.push([section, path, cell(value)]);
  }
}

export function renderDataCsv(data: PackageData): string {
  const rows: Row[] = [];
  for (const key of PACKAGE_KEYS) flatten(key, '', data[key], rows);
  return stringify([['section', 'field', 'value'], ...rows], { bom: true, record_delimiter: 'windows' });
}
