import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { TransparencyReport } from '~/components/transparency-report';
import { invariantResponse } from '~/utils/invariant';
import { pageMeta } from '~/utils/meta';
import { loadTransparency } from './transparency.server';

export const meta: MetaFunction<typeof loader> = ({ matches, data }) =>
  pageMeta(matches, { title: 'transparency.yearTitle', titleValues: { year: String(data?.year ?? '') }, description: 'transparency.metaDescription' });

/** One published year (`?version=N` for an earlier version); 404 for a year never published. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  invariantResponse(/^\d{4}$/.test(params.year ?? ''), 'Not found', { status: 404 });
  const version = new URL(request.url).searchParams.get('version');
  return loadTransparency(context.db, context.config.timeZone, Number(params.year), version);
}

export const handle = { scripts: false };

export default function TransparencyYear() {
  return <TransparencyReport data={useLoaderData<typeof loader>()} />;
}
