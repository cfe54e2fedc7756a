import { dateTimeFormat } from '~/utils/intl';

/** A calendar date (YYYY-MM-DD) for people: "1 February 2026", the same on server and browser. */
export function formatDate(date: string): string {
  return dateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}

/** An instant as staff read it, in the portal's time zone: "3 Dec 2026, 09:15 (Europe/Berlin)". */
export function formatStaffTime(instant: Date, timeZone: string): string {
  return `${dateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(instant)} (${timeZone})`;
}

/** The calendar day of an instant in the portal's time zone: "3 Dec 2026". */
export function formatStaffDay(instant: Date, timeZone: string): string {
  return dateTimeFormat('en-GB', { dateStyle: 'medium', timeZone }).format(instant);
}
