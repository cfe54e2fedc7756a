import type { LoaderFunctionArgs } from '@remix-run/node';
import { registryResource } from '~/routes/registry-resource.server';

/** The current list as CSV, for a spreadsheet; `?at=YYYY-MM-DD` for a past date. */
export const loader = (args: LoaderFunctionArgs) => registryResource(args, 'csv');
