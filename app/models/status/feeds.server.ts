/**
 * The status page's feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1) with the `feed` package, like the
 * registry's: one entry per update of the 50 most recent incidents and maintenance windows,
 * newest first. An entry's id is the incident's permanent URL with the update's id as its
 * fragment: the same in every language and never reused.
 */
import { Feed } from 'feed';
import type { Config } from '~/utils/env.server';
import { escapeHtml } from '~/utils/mail-template';
import { DEFAULT_LANGUAGE, formatInstant, tFor, type Language } from '~/utils/i18n';
import type { IncidentRow } from '~/models/status/incidents.server';

export type StatusFeedFormat = 'rss' | 'atom' | 'jsonfeed';

export function incidentUrl(config: Config, incidentId: string) {
  return `${config.publicUrl}/service-status/incidents/${incidentId}`;
}

export function buildStatusFeed(incidents: IncidentRow[], config: Config, updatedAt: Date, lang: Language = DEFAULT_LANGUAGE): Feed {
  const t = tFor(lang);
  const org = config.organisation.name;
  const base = `${config.publicUrl}/service-status`;
  const q = lang === DEFAULT_LANGUAGE ? '' : `?lng=${lang}`;
  const author = { name: org, email: config.organisation.privacyEmail, link: config.publicUrl };
  const entries = incidents
    .flatMap((incident) => incident.updates.map((update) => ({ incident, update })))
    .sort((a, b) => b.update.createdAt.getTime() - a.update.createdAt.getTime() || Number(b.update.id) - Number(a.update.id));
  const feed = new Feed({
    id: base,
    title: t('serviceStatus.feedTitle', { org }),
    description: t('serviceStatus.feedDescription', { org }),
    link: base + q,
    language: lang,
    updated: new Date(Math.max(updatedAt.getTime(), ...entries.map((e) => e.update.createdAt.getTime()))),
    generator: 'Privacy Portal',
    feedLinks: { rss: `${base}/feed.rss${q}`, atom: `${base}/feed.atom${q}`, json: `${base}/feed.json${q}` },
    author,
    copyright: org,
  });
  for (const { incident, update } of entries) {
    const url = incidentUrl(config, incident.id);
    const status = t(`serviceStatus.incidentStatuses.${update.status}`);
    const lines = [update.body, t('serviceStatus.updatedAt', { when: formatInstant(lang, update.createdAt.toISOString(), config.timeZone) })];
    if (update.affected.length) lines.push(t('serviceStatus.feedAffected', { components: update.affected.map((a) => a.name).join(', ') }));
    feed.addItem({
      id: `${url}#update-${update.id}`,
      link: `${url}${q}#update-${update.id}`,
      title: t('serviceStatus.feedEntryTitle', { name: incident.name, status }),
      description: lines.map((line) => `<p>${escapeHtml(line)}</p>`).join(''),
      date: update.createdAt,
      published: update.createdAt,
      author: [author],
      category: [{ name: incident.kind, term: incident.kind }],
    });
  }
  return feed;
}

/** The feed in one format; Atom with its language on the root, JSON Feed upgraded to 1.1. */
export function renderStatusFeed(feed: Feed, format: StatusFeedFormat, lang: Language): string {
  if (format === 'rss') return feed.rss2();
  if (format === 'atom') return feed.atom1().replace('<feed xmlns="http://www.w3.org/2005/Atom">', `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">`);
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
  for (const item of doc.items) upgrade(item);
  return JSON.stringify(doc, null, 2);
}
