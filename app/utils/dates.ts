import { dateTimeFormat } from '~/utils/intl';

/** A calendar date (YYYY-MM-DD) for people: "1 February 2026", the same on server and browser. */
export function formatDate(date: string): string {
  return dateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}

/** A moment for staff pages and mail, in the portal's time zone with the zone's name ("10 Dec 2026, 09:35 GMT"). */
export function formatStaffTime(instant: Date, timeZone: string): string {
  return dateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(instant);
}

/** The calendar day of an instant in the portal's time zone: "3 Dec 2026". */
export function formatStaffDay(instant: Date, timeZone: string): string {
  return dateTimeFormat('en-GB', { dateStyle: 'medium', timeZone }).format(instant);
}
