import { json, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { Field } from '~/components/field';
import { SubprocessorTable, mechanismLabel } from '~/components/subprocessor-table';
import { registryValidators } from '~/models/subprocessors/feeds.server';
import { cacheHeaders, notModified } from '~/utils/http-cache.server';
import { changeTitle, countryName, describeChange, todayIn } from '~/models/subprocessors/rules';
import { loadRegistry, loadRegistryState, viewRegistry } from '~/models/subprocessors/registry.server';
import { formatDate } from '~/utils/dates';

export const meta: MetaFunction = () => [
  { title: 'Subprocessors — Privacy Portal' },
  { name: 'description', content: 'Who processes personal data on our behalf, planned changes and the dated history.' },
];

export const links: LinksFunction = () => [
  { rel: 'alternate', type: 'application/rss+xml', title: 'Subprocessor changes (RSS)', href: '/subprocessors/feed.rss' },
  { rel: 'alternate', type: 'application/atom+xml', title: 'Subprocessor changes (Atom)', href: '/subprocessors/feed.atom' },
  { rel: 'alternate', type: 'application/feed+json', title: 'Subprocessor changes (JSON Feed)', href: '/subprocessors/feed.json' },
  { rel: 'alternate', type: 'application/json', title: 'Subprocessor list (JSON)', href: '/subprocessors.json' },
];

const atSchema = z.iso.date({ error: 'Enter a date as YYYY-MM-DD' });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const rawAt = new URL(request.url).searchParams.get('at') || undefined;
  const today = todayIn(context.config.timeZone);
  const validators = registryValidators(await loadRegistryState(context.db, today), context.config, `page:${context.buildVersion}:${rawAt ?? ''}`, today);
  const parsed = rawAt === undefined ? undefined : atSchema.safeParse(rawAt);
  let atError = parsed && !parsed.success ? parsed.error.issues[0]!.message : undefined;
  if (parsed?.success && parsed.data > today) atError = `Choose a date up to today (${today})`;
  // A signed-in visitor's page carries their name in the header: never for a shared cache.
  const personal = request.headers.has('Cookie');
  if (!personal && !atError) {
    const fresh = notModified(request, validators);
    // Bodiless: typed `never` so the component's data type stays the page's.
    if (fresh) return fresh as unknown as never;
  }
  const at = parsed?.success && !atError ? parsed.data : today;
  const registry = await loadRegistry(context.db);
  return json(
    { ...viewRegistry(registry, today, at), atInput: rawAt ?? '', atError },
    {
      status: atError ? 400 : 200,
      headers: personal ? { 'Cache-Control': 'private, no-cache' } : cacheHeaders(validators),
    },
  );
}

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

export default function Subprocessors() {
  const data = useLoaderData<typeof loader>();
  const past = data.at !== data.today;
  return (
    <>
      <h1>Subprocessors</h1>
      <p className="lead">
        The companies that process personal data on our behalf, what they do, where, and under which safeguard. New
        subprocessors are announced here before they start, and customers may object until then.
      </p>
      <p>
        {data.lastUpdated ? (
          <>
            Last updated: <time dateTime={data.lastUpdated}>{formatDate(data.lastUpdated)}</time>.
          </>
        ) : (
          'No changes yet.'
        )}{' '}
        {past ? (
          <>
            Showing the list as it stood on <strong>{formatDate(data.at)}</strong>. <Link to="/subprocessors">Show today’s list</Link>.
          </>
        ) : null}
      </p>
      <ul className="feeds no-print" aria-label="Follow changes">
        <li><a href="/subprocessors/feed.rss">RSS feed</a></li>
        <li><a href="/subprocessors/feed.atom">Atom feed</a></li>
        <li><a href="/subprocessors/feed.json">JSON Feed</a></li>
        <li><a href="/subprocessors.json">Machine-readable list (JSON)</a></li>
        <li><a href="#subscribe">Email alerts</a></li>
      </ul>

      <section aria-labelledby="current-heading">
        <h2 id="current-heading">{past ? `Subprocessors on ${formatDate(data.at)}` : 'Current subprocessors'}</h2>
        <SubprocessorTable entries={data.active} caption={`${data.active.length} subprocessors as of ${formatDate(data.at)}`} />
      </section>

      {past ? null : (
        <section aria-labelledby="planned-heading">
          <h2 id="planned-heading">Planned changes</h2>
          {data.planned.length === 0 ? (
            <p>No changes are planned.</p>
          ) : (
            <ul className="change-list">
              {data.planned.map((c) => (
                <li key={c.id} id={`change-${c.id}`} className="planned">
                  <h3>{changeTitle(c, data.today)}</h3>
                  <p>
                    Takes effect on <time dateTime={c.effectiveOn}>{formatDate(c.effectiveOn)}</time>. {c.summary}
                  </p>
                  {c.details ? (
                    <p>
                      {c.details.legalEntity} · {c.details.purpose} · Data: {c.details.dataCategories.join(', ')} · Locations:{' '}
                      {c.details.locations.map(countryName).join(', ')} · {mechanismLabel(c.details.transferMechanism)}
                    </p>
                  ) : null}
                  {c.kind !== 'removed' ? (
                    <p className="no-print">
                      <Link to={`/subprocessors/changes/${c.id}`}>Object to this change</Link>
                    </p>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History of changes</h2>
        <Form method="get" className="inline-form no-print">
          <Field
            label="Show the list as it stood on"
            name="at"
            type="date"
            autoComplete="off"
            defaultValue={data.atInput}
            max={data.today}
            error={data.atError}
          />
          <button type="submit">Show</button>
        </Form>
        {data.history.length === 0 ? (
          <p>No changes had taken effect by this date.</p>
        ) : (
          <ul className="change-list">
            {data.history.map((c) => (
              <li key={c.id} id={`change-${c.id}`}>
                <time dateTime={c.effectiveOn}>{formatDate(c.effectiveOn)}</time>:{' '}
                <span className="change-kind">{describeChange(c, c.name)}</span>. {c.summary}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="subscribe-heading" id="subscribe" className="no-print">
        <h2 id="subscribe-heading">Get email alerts</h2>
        <p>We email you when a change is announced and again when it takes effect. Every email has a one-click unsubscribe.</p>
        <Form method="post" action="/subprocessors/subscribe">
          <Field label="Email address" name="email" type="email" autoComplete="email" required />
          <button type="submit">Subscribe</button>
        </Form>
      </section>
    </>
  );
}
