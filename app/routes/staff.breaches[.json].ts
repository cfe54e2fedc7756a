import type { LoaderFunctionArgs } from '@remix-run/node';
import { breachRegisterDownload } from '~/routes/breach-export.server';

/** The breach register as JSON, with every filing; audited. */
export const loader = (args: LoaderFunctionArgs) => breachRegisterDownload(args, 'json');
