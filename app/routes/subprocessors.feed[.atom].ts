import type { LoaderFunctionArgs } from '@remix-run/node';
import { registryResource } from '~/routes/registry-resource.server';

export const loader = (args: LoaderFunctionArgs) => registryResource(args, 'atom');
