import type { LoaderFunctionArgs } from '@remix-run/node';
import { registryResource } from '~/routes/registry-resource.server';

/** The registry as JSON (schema: /subprocessors.schema.json); `?at=YYYY-MM-DD` for a past date. */
export const loader = (args: LoaderFunctionArgs) => registryResource(args, 'json');
