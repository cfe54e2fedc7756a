import type { LoaderFunctionArgs } from '@remix-run/node';
import { breachRegisterDownload } from '~/routes/breach-export.server';

/** The breach register as CSV, for a spreadsheet; audited. */
export const loader = (args: LoaderFunctionArgs) => breachRegisterDownload(args, 'csv');
