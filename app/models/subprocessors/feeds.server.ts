import { Feed } from 'feed';
import type { SubprocessorDetails } from '../../../db/schema';
import { DEFAULT_LANGUAGE, formatDay, tFor, type Language } from '~/utils/i18n';
import type { Config } from '~/utils/env.server';
import { isNotModified, registryEtag, registryLastModified } from '~/utils/http-cache.server';
import { changeSummary, feedQuery } from '~/models/subprocessors/rules';
import { regionNames } from '~/utils/intl';
import { escapeHtml } from '~/utils/mail-template';
import { viewRegistry, type NamedChange, type Registry } from '~/models/subprocessors/registry.server';
import { csvLine } from '~/utils/csv';

/**
 * The registry's public representations (JSON, RSS 2.0, Atom 1.0, JSON Feed 1.1) and their
 * cache validators. Validators come from the stored registry version, so every instance
 * answers a conditional request the same way (the HTTP side is in ~/utils/http-cache.server).
 */

export type Representation = 'page' | 'data' | 'json' | 'rss' | 'atom' | 'jsonfeed';

export function registryValidators(
  state: { version: string; updatedAt: Date; lastEffective: string | undefined },
  config: Config,
  variant: string,
  today: string,
) {
  return {
    today,
    etag: registryEtag({ version: state.version, today, variant }),
    lastModified: registryLastModified({ updatedAt: state.updatedAt, lastEffective: state.lastEffective, timeZone: config.timeZone }),
  };
}

export function changeUrl(config: Config, change: Pick<NamedChange, 'id'>) {
  return `${config.publicUrl}/subprocessors/changes/${change.id}`;
}

/** The feed's author is the organisation that runs the portal, reached at its privacy contact. */
function publisher(config: Config) {
  return { name: config.organisation.name, email: config.organisation.privacyEmail };
}

/** A change's title in one language: "Addition of Acme: takes effect 1 February 2026". */
export function changeTitleIn(lang: Language, change: Pick<NamedChange, 'kind' | 'effectiveOn' | 'name'>, today: string): string {
  const t = tFor(lang);
  const what = t(`registry.kind.${change.kind}`, { name: change.name });
  // Prose gets the people's date ("1 February 2026"), never the ISO form.
  return t(change.effectiveOn > today ? 'registry.titleUpcoming' : 'registry.titlePast', { what, date: formatDay(lang, change.effectiveOn) });
}

/** What a change makes true, in one sentence of the reader's language (feeds and alert emails). */
export function changeDetailsLine(lang: Language, d: SubprocessorDetails): string {
  const t = tFor(lang);
  const regions = regionNames(lang);
  return t('subscriptionMail.details', {
    name: d.name,
    entity: d.legalEntity,
    purpose: d.purpose,
    data: d.dataCategories.join(', '),
    locations: d.locations.map((c) => regions.of(c) ?? c).join(', '),
    mechanism: t(`mechanisms.${d.transferMechanism}`, { defaultValue: d.transferMechanism }),
  });
}

function changeText(lang: Language, change: NamedChange, today: string) {
  const t = tFor(lang);
  const date = formatDay(lang, change.effectiveOn);
  const lines = [changeSummary(t, change), change.effectiveOn > today ? t('change.takesEffect', { date }) : t('change.tookEffect', { date })];
  if (change.details) lines.push(changeDetailsLine(lang, change.details));
  return lines;
}

/**
 * Every announced change, newest announcement first, in one language (the feed's URL says
 * which: feed readers send no cookie and rarely a useful Accept-Language). Entry ids are the
 * permanent URLs of the changes, the same in every language; links open the page in that language.
 */
export function buildFeed(registry: Registry, config: Config, lastModified: Date, today: string, lang: Language = DEFAULT_LANGUAGE): Feed {
  const t = tFor(lang);
  const q = feedQuery(lang);
  const author = { ...publisher(config), link: config.publicUrl };
  const base = `${config.publicUrl}/subprocessors`;
  const feed = new Feed({
    id: base,
    title: t('registry.feedTitle'),
    description: t('registry.feedDescription'),
    link: base + q,
    language: lang,
    // Never older than its newest entry.
    updated: new Date(Math.max(lastModified.getTime(), ...registry.changes.map((c) => c.announcedAt.getTime()))),
    generator: 'Privacy Portal',
    feedLinks: { rss: `${base}/feed.rss${q}`, atom: `${base}/feed.atom${q}`, json: `${base}/feed.json${q}` },
    author,
    copyright: `${author.name}`,
  });
  const changes = [...registry.changes].sort(
    (a, b) => b.announcedAt.getTime() - a.announcedAt.getTime() || Number(b.id) - Number(a.id),
  );
  for (const change of changes) {
    const url = changeUrl(config, change);
    feed.addItem({
      id: url,
      link: url + q,
      title: changeTitleIn(lang, change, today),
      description: changeText(lang, change, today).map((line) => `<p>${escapeHtml(line)}</p>`).join(''),
      date: change.announcedAt,
      published: change.announcedAt,
      author: [author],
      category: [{ name: change.kind, term: change.kind }],
    });
  }
  return feed;
}

/**
 * `feed` writes JSON Feed 1.0; 1.1 renames `author` to `authors` (a list) and adds `language`.
 * Each item also carries a `_subprocessor` extension (kind, effective date) for machines.
 */
export function toJsonFeed11(feed: Feed, registry: Registry, config: Config, lang: Language = DEFAULT_LANGUAGE): string {
  const byUrl = new Map(registry.changes.map((c) => [changeUrl(config, c), c]));
  const doc = JSON.parse(feed.json1()) as Record<string, unknown> & { items: Record<string, unknown>[] };
  const upgrade = (o: Record<string, unknown>) => {
    if (o.author) {
      o.authors = [o.author];
      delete o.author;
    }
  };
  doc.version = 'https://jsonfeed.org/version/1.1';
  doc.language = lang;
  upgrade(doc);
  for (const item of doc.items) {
    upgrade(item);
    const change = byUrl.get(String(item.id));
    if (change) item._subprocessor = { kind: change.kind, effective_on: change.effectiveOn, slug: change.slug };
  }
  return JSON.stringify(doc, null, 2);
}

/** /subprocessors.json: see docs/subprocessors.schema.json. */
export function registryJson(registry: Registry, config: Config, today: string, at?: string) {
  const view = viewRegistry(registry, today, at ?? today);
  return {
    $schema: `${config.publicUrl}/subprocessors.schema.json`,
    asOf: view.at,
    lastUpdated: view.lastUpdated ?? null,
    version: registry.version,
    subprocessors: view.active.map((e) => ({
      slug: e.slug,
      category: e.category,
      name: e.name,
      legalEntity: e.legalEntity,
      purpose: e.purpose,
      dataCategories: e.dataCategories,
      locations: e.locations,
      transferMechanism: e.transferMechanism,
      website: e.website,
      since: e.since,
    })),
    plannedChanges: view.planned.map((c) => changeJson(c, config)),
    history: view.history.map((c) => changeJson(c, config)),
  };
}

/**
 * The list as CSV (RFC 4180) for a spreadsheet: every field quoted, and a cell that a
 * spreadsheet would run as a formula (= + - @ at its start) is made text with a leading quote.
 */
export function registryCsv(registry: Registry, today: string, at?: string): string {
  const view = viewRegistry(registry, today, at ?? today);
  const header = ['name', 'legal_entity', 'category', 'purpose', 'data_categories', 'locations', 'transfer_mechanism', 'website', 'since'];
  const rows = view.active.map((e) => [
    e.name,
    e.legalEntity,
    e.category,
    e.purpose,
    e.dataCategories.join('; '),
    e.locations.join('; '),
    e.transferMechanism,
    e.website,
    e.since,
  ]);
  return [header, ...rows].map(csvLine).join('');
}

function changeJson(change: NamedChange, config: Config) {
  return {
    id: change.id,
    url: changeUrl(config, change),
    kind: change.kind,
    slug: change.slug,
    name: change.name,
    effectiveOn: change.effectiveOn,
    announcedAt: change.announcedAt.toISOString(),
    summary: change.summary,
    details: change.details,
  };
}
