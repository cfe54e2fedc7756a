import type { LoaderFunctionArgs } from '@remix-run/node';
import { statusApiResource } from '~/routes/status-api.server';

export const loader = (args: LoaderFunctionArgs) => statusApiResource(args, 'summary');
