import type { LoaderFunctionArgs } from '@remix-run/node';
import { statusFeedResource } from '~/routes/status-feed.server';

export const loader = (args: LoaderFunctionArgs) => statusFeedResource(args, 'jsonfeed');
