import type { LoaderFunctionArgs } from '@remix-run/node';
import { registryResource } from '~/models/subprocessors/resources.server';

export const loader = (args: LoaderFunctionArgs) => registryResource(args, 'atom');
