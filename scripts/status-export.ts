/**
 * `npm run status:export -- --out DIR [--from URL]`: writes the public status page (in each
 * language), its incident pages and history, the Statuspage-compatible JSON and the feeds to a
 * folder, as plain files to host somewhere else (a static host, a bucket behind a CDN). The
 * copy stays readable while the portal itself is down, which is when a status page matters.
 *
 * It reads the running portal over HTTP (`--from`, default PUBLIC_URL), so it works the same on
 * the embedded database and on PostgreSQL and never touches the database. Run it from cron on
 * another machine: if the portal does not answer, nothing is overwritten and it exits 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const API_DOCUMENTS = [
  'summary.json',
  'status.json',
  'components.json',
  'incidents.json',
  'incidents/unresolved.json',
  'scheduled-maintenances.json',
  'scheduled-maintenances/upcoming.json',
  'scheduled-maintenances/active.json',
];
const LANGUAGES = ['en', 'de', 'fr'] as const;

type Fetched = { status: number; text: string };

async function get(from: string, url: string): Promise<Fetched> {
  const res = await fetch(new URL(url, from), { headers: { Accept: '*/*' }, redirect: 'error' });
  return { status: res.status, text: await res.text() };
}

/**
 * A page made to stand alone: its stylesheets inlined, links into the exported set made
 * relative (`depth` folders down), every other link absolute to the portal.
 */
async function standalone(from: string, html: string, depth: number): Promise<string> {
  const up = '../'.repeat(depth);
  let out = html;
  for (const match of html.matchAll(/<link rel="stylesheet" href="([^"]+)"\/?>/g)) {
    const css = await get(from, match[1]!);
    if (css.status === 200) out = out.replace(match[0], `<style>${css.text.replace(/<\/style/gi, '<\\/style')}</style>`);
  }
  out = out.replace(/<link rel="(icon|modulepreload)"[^>]*>/g, '');
  return out.replace(/href="(\/[^"]*)"/g, (_all, href: string) => {
    const local = exportedPath(href);
    return `href="${local === undefined ? new URL(href, from).href : up + local}"`;
  });
}

/** Where a portal path lives in the export, or undefined when it is not exported. */
function exportedPath(href: string): string | undefined {
  const [pathname, query = ''] = href.split('?');
  const lng = /(?:^|&)lng=(en|de|fr)/.exec(query)?.[1];
  const suffix = lng && lng !== 'en' ? `.${lng}` : '';
  if (pathname === '/service-status') return `index${suffix}.html`;
  if (pathname === '/service-status/history' && !/month=/.test(query)) return 'history.html';
  const incident = /^\/service-status\/incidents\/(\d+)$/.exec(pathname!);
  if (incident) return `incidents/${incident[1]}.html`;
  const feed = /^\/service-status\/feed\.(rss|atom|json)$/.exec(pathname!);
  if (feed) return `feed${suffix}.${feed[1]}`;
  if (pathname!.startsWith('/api/v2/') && API_DOCUMENTS.includes(pathname!.slice('/api/v2/'.length))) return pathname!.slice(1);
  return undefined;
}

export type ExportResult = { files: string[] };

export async function exportStatus(options: { from: string; out: string }): Promise<ExportResult> {
  const { from } = options;
  const files = new Map<string, string>();
  // Everything is fetched first: a failure leaves the last export in place.
  for (const doc of API_DOCUMENTS) {
    const res = await get(from, `/api/v2/${doc}`);
    if (res.status !== 200) throw new Error(`/api/v2/${doc} answered ${res.status}`);
    files.set(`api/v2/${doc}`, res.text);
  }
  for (const lang of LANGUAGES) {
    const q = lang === 'en' ? '' : `?lng=${lang}`;
    const suffix = lang === 'en' ? '' : `.${lang}`;
    const page = await get(from, `/service-status${q}`);
    if (page.status !== 200) throw new Error(`/service-status${q} answered ${page.status}`);
    files.set(`index${suffix}.html`, await standalone(from, page.text, 0));
    for (const format of ['rss', 'atom', 'json']) {
      const feed = await get(from, `/service-status/feed.${format}${q}`);
      if (feed.status !== 200) throw new Error(`feed.${format}${q} answered ${feed.status}`);
      files.set(`feed${suffix}.${format}`, feed.text);
    }
  }
  const history = await get(from, '/service-status/history');
  if (history.status === 200) files.set('history.html', await standalone(from, history.text, 0));
  const incidents = JSON.parse(files.get('api/v2/incidents.json')!) as { incidents: { id: string }[] };
  const maintenance = JSON.parse(files.get('api/v2/scheduled-maintenances.json')!) as { scheduled_maintenances: { id: string }[] };
  for (const { id } of [...incidents.incidents, ...maintenance.scheduled_maintenances]) {
    const page = await get(from, `/service-status/incidents/${id}`);
    if (page.status === 200) files.set(`incidents/${id}.html`, await standalone(from, page.text, 1));
  }
  // Written under a temporary folder and swapped in, so a reader never sees half an export.
  const out = path.resolve(options.out);
  const staging = `${out}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  for (const [name, body] of files) {
    const file = path.join(staging, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
  }
  const old = `${out}.old-${process.pid}`;
  if (fs.existsSync(out)) fs.renameSync(out, old);
  fs.renameSync(staging, out);
  fs.rmSync(old, { recursive: true, force: true });
  return { files: [...files.keys()].sort() };
}

async function main() {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = value('--out');
  if (!out) {
    process.stderr.write('usage: npm run status:export -- --out DIR [--from https://portal.example]\n');
    process.exit(2);
  }
  let from = value('--from');
  if (!from) {
    const { loadConfig } = await import('../app/utils/env.server');
    from = loadConfig(process.env).publicUrl;
  }
  try {
    const { files } = await exportStatus({ from, out });
    console.log(`status exported: ${files.length} files in ${path.resolve(out)}`);
  } catch (error) {
    process.stderr.write(`status export failed, nothing overwritten: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
