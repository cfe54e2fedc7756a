import type { LoaderFunctionArgs } from '@remix-run/node';
import { exportMapResponse } from './datamap-export.server';

export const loader = (args: LoaderFunctionArgs) => exportMapResponse(args, 'yaml');
