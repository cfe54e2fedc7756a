import type { Transaction } from 'kysely';
import { describeActivity, type DescribedActivity } from '~/models/datamap/describe';
import { currentActivities, ensurePortalSystem, loadVocabulary } from '~/models/datamap/map.server';
import { tFor, type Language } from '~/utils/i18n';
import type { DB } from '../../../db/client';
import type { Database } from '../../../db/schema';

/**
 * What an access package says about processing (Art. 15(1)(a)–(d), (g), (h)): the portal's own
 * declarations, and those of each system that answered this request saying it holds data about
 * the person. A system that answered "no data" holds none and is not listed.
 */
export type PackageProcessing = {
  asOf: string;
  systems: Array<{
    system: string;
    /** `portal`: this portal itself; `answered`: a system that answered it holds data about you. */
    why: 'portal' | 'answered';
    answeredAt: string | null;
    activities: DescribedActivity[];
  }>;
  /** Each connected system's answer to this request (issue 19): what it said, when and how. */
  answers: Array<{ system: string; outcome: string; answeredAt: string | null; how: string | null }>;
};

export async function recipientNames(db: DB | Transaction<Database>): Promise<Map<string, string>> {
  const [systems, subprocessors] = await Promise.all([
    db.selectFrom('connected_systems').select(['fides_key', 'name']).where('fides_key', 'is not', null).execute(),
    db
      .selectFrom('subprocessors as s')
      .select(['s.slug', (eb) => eb.selectFrom('subprocessor_changes as c').select((e) => e.ref('c.details').$castTo<{ name: string } | null>().as('d')).whereRef('c.subprocessor_id', '=', 's.id').where('c.details', 'is not', null).orderBy('c.id', 'desc').limit(1).as('details')])
      .execute(),
  ]);
  const names = new Map<string, string>();
  for (const s of systems) names.set(`system:${s.fides_key}`, s.name);
  for (const s of subprocessors) names.set(`subprocessor:${s.slug}`, (s.details as { name?: string } | null)?.name ?? s.slug);
  return names;
}

/** What the person has with the portal itself: which of its own activities concern them. */
export type PortalFootprint = { account: boolean; alerts: boolean; objections: boolean };

export async function processingFor(
  db: DB | Transaction<Database>,
  requestId: string,
  lang: Language,
  now: Date,
  footprint: PortalFootprint,
): Promise<PackageProcessing> {
  const portalId = await ensurePortalSystem(db);
  const [activities, vocabulary, names, answered, answers] = await Promise.all([
    currentActivities(db),
    loadVocabulary(db),
    recipientNames(db),
    db
      .selectFrom('system_tasks as t')
      .innerJoin('connected_systems as s', 's.id', 't.system_id')
      .select(['s.id', 's.name', 't.answered_at'])
      .where('t.request_id', '=', requestId)
      .where('t.state', '=', 'answered')
      .where('t.outcome', 'in', ['data', 'erased'])
      .orderBy('s.name')
      .execute(),
    db
      .selectFrom('system_tasks as t')
      .innerJoin('connected_systems as s', 's.id', 't.system_id')
      .select(['s.name', 't.outcome', 't.answered_at', 't.answered_how'])
      .where('t.request_id', '=', requestId)
      .where('t.state', '=', 'answered')
      .orderBy('s.name')
      .execute(),
  ]);
  const t = tFor(lang);
  const concerns = (scope: string | undefined) => !scope || scope === 'everyone' || footprint[scope as keyof PortalFootprint];
  const describe = (systemId: string) =>
    activities
      .filter((a) => a.systemId === systemId && a.declaration.role === 'controller' && (systemId !== portalId || concerns(a.declaration.portalScope)))
      .map((a) => describeActivity(a.declaration, { lang, t, vocabulary, recipientNames: names }));
  const portalName = activities.find((a) => a.systemId === portalId)?.systemName ?? 'Privacy portal';
  return {
    asOf: now.toISOString(),
    systems: [
      { system: portalName, why: 'portal', answeredAt: null, activities: describe(portalId) },
      ...answered.map((s) => ({ system: s.name, why: 'answered' as const, answeredAt: s.answered_at ? new Date(s.answered_at).toISOString() : null, activities: describe(s.id) })),
    ],
    answers: answers.map((a) => ({ system: a.name, outcome: a.outcome ?? '', answeredAt: a.answered_at ? new Date(a.answered_at).toISOString() : null, how: a.answered_how })),
  };
}
