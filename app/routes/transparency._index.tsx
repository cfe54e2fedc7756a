import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { TransparencyReport } from '~/components/transparency-report';
import { pageMeta } from '~/utils/meta';
import { loadTransparency } from './transparency.server';

export const meta: MetaFunction = ({ matches }) => pageMeta(matches, { title: 'transparency.title', description: 'transparency.metaDescription' });

/** The public yearly report, latest published year; 404 until an admin publishes one. */
export const loader = ({ context }: LoaderFunctionArgs) => loadTransparency(context.db, context.config.timeZone, undefined, null);

/** Read by root.tsx: the page works without JavaScript and ships none. */
export const handle = { scripts: false };

export default function Transparency() {
  return <TransparencyReport data={useLoaderData<typeof loader>()} />;
}
