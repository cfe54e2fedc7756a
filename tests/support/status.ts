import type { DB } from '../../db/client';
import { createComponent, type ComponentInput } from '../../app/models/status/components.server';

/** Test data for the status page: a group with components, or a single component. */
export async function createStatusComponent(db: DB, input: Partial<ComponentInput> & { name: string }, options: { timeZone?: string; now?: Date } = {}) {
  return createComponent(
    db,
    {
      description: null,
      isGroup: false,
      groupId: null,
      position: 0,
      startDate: null,
      onlyShowIfDegraded: false,
      heartbeatSeconds: null,
      ...input,
    },
    { id: null, timeZone: options.timeZone ?? 'Europe/London', now: options.now },
  );
}

/** A group "Portal" with "Website" and "Request intake", and a loose "Email delivery". */
export async function seedStatusComponents(db: DB, options: { timeZone?: string; now?: Date; startDate?: string } = {}) {
  const group = await createStatusComponent(db, { name: 'Portal', isGroup: true, position: 1 }, options);
  const website = await createStatusComponent(db, { name: 'Website', groupId: group, position: 1, startDate: options.startDate ?? null }, options);
  const intake = await createStatusComponent(db, { name: 'Request intake', groupId: group, position: 2, startDate: options.startDate ?? null }, options);
  const email = await createStatusComponent(db, { name: 'Email delivery', position: 2, startDate: options.startDate ?? null }, options);
  return { group, website, intake, email };
}
