import { dateTimeFormat } from '~/utils/intl';

/** A calendar date (YYYY-MM-DD) for people: "1 February 2026", the same on server and browser. */
export function formatDate(date: string): string {
  return dateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}
