import type { DB } from '../../../db/client';

/**
 * The hook between the service-status page (issue 23, items 1–4) and the breach register: an
 * outage can open an availability-breach record. `/staff/breaches/new?incident=<id>` asks here
 * what to prefill. The status domain's tables live on another branch; until they are merged
 * this knows only the reference it was given. To wire it, read the incident here (its name,
 * when it started, the components it affected) and return them: the form takes `title`,
 * `detectedAt` (when the outage began) and `nature`, and the record keeps `incidentRef`.
 */
export type IncidentPrefill = { incidentRef: string; title: string; detectedAt?: Date; nature?: string };

const REF = /^[A-Za-z0-9._:-]{1,100}$/;

export async function incidentPrefill(_db: DB, ref: string | null): Promise<IncidentPrefill | undefined> {
  if (!ref || !REF.test(ref)) return undefined;
  return {
    incidentRef: ref,
    title: `Service outage (status incident ${ref})`,
    nature: `Personal data was unavailable during the outage recorded as status incident ${ref}.`,
  };
}
