import type { DB } from '../../../db/client';
import type { SubprocessorChangeKind, SubprocessorDetails, SubprocessorCategory } from '../../../db/schema';
import { appendChange } from '~/models/subprocessors/registry.server';
import { addDays, startOfDayIn, todayIn } from '~/models/subprocessors/rules';

/**
 * A realistic demo registry so a newcomer's first `npm start` shows a full page: current
 * providers, a dated history with an update and a removal, and one planned addition.
 */
type DemoChange = { slug: string; kind: SubprocessorChangeKind; on: string; details?: SubprocessorDetails; summary: string };

const AWS: SubprocessorDetails = {
  name: 'Amazon Web Services',
  legalEntity: 'Amazon Web Services EMEA SARL',
  purpose: 'Cloud hosting of the portal, its database and backups',
  dataCategories: ['Account details', 'Request records and correspondence', 'Uploaded documents'],
  locations: ['IE', 'DE'],
  transferMechanism: 'eea-only',
  website: 'https://aws.amazon.com/',
};
const SENTRY: SubprocessorDetails = {
  name: 'Sentry',
  legalEntity: 'Functional Software, Inc.',
  purpose: 'Error monitoring of the portal',
  dataCategories: ['IP addresses', 'Technical logs (no request content)'],
  locations: ['US'],
  transferMechanism: 'sccs',
  website: 'https://sentry.io/',
};
const MAILCHIMP: SubprocessorDetails = {
  name: 'Mailchimp',
  legalEntity: 'The Rocket Science Group LLC',
  purpose: 'Newsletter delivery',
  dataCategories: ['Email addresses', 'Newsletter engagement'],
  locations: ['US'],
  transferMechanism: 'eu-us-dpf',
  website: 'https://mailchimp.com/',
};

export function demoChanges(today: string): DemoChange[] {
  return [
    { slug: 'amazon-web-services', kind: 'added', on: '2024-02-01', details: AWS, summary: 'Hosting in AWS Ireland and Frankfurt' },
    {
      slug: 'cloudflare',
      kind: 'added',
      on: '2024-02-01',
      details: {
        name: 'Cloudflare',
        legalEntity: 'Cloudflare, Inc.',
        purpose: 'Content delivery network and protection against attacks',
        dataCategories: ['IP addresses', 'Request metadata'],
        locations: ['US', 'DE', 'GB'],
        transferMechanism: 'eu-us-dpf',
        website: 'https://www.cloudflare.com/',
      },
      summary: 'CDN and DDoS protection in front of the portal',
    },
    { slug: 'sentry', kind: 'added', on: '2024-02-01', details: SENTRY, summary: 'Error monitoring' },
    { slug: 'mailchimp', kind: 'added', on: '2024-03-01', details: MAILCHIMP, summary: 'Newsletter delivery' },
    {
      slug: 'postmark',
      kind: 'added',
      on: '2024-05-15',
      details: {
        name: 'Postmark',
        legalEntity: 'ActiveCampaign, LLC',
        purpose: 'Delivery of transactional email (verification links, request updates)',
        dataCategories: ['Email addresses', 'Email content'],
        locations: ['US'],
        transferMechanism: 'eu-us-dpf',
        website: 'https://postmarkapp.com/',
      },
      summary: 'Transactional email delivery',
    },
    {
      slug: 'zendesk',
      kind: 'added',
      on: '2024-06-01',
      details: {
        name: 'Zendesk',
        legalEntity: 'Zendesk, Inc.',
        purpose: 'Customer support ticketing',
        dataCategories: ['Names', 'Email addresses', 'Support correspondence'],
        locations: ['US', 'IE'],
        transferMechanism: 'bcrs',
        website: 'https://www.zendesk.com/',
      },
      summary: 'Support ticketing',
    },
    {
      slug: 'stripe',
      kind: 'added',
      on: '2024-09-01',
      details: {
        name: 'Stripe',
        legalEntity: 'Stripe Payments Europe, Limited',
        purpose: 'Payment processing for paid plans',
        dataCategories: ['Billing contact details', 'Payment card data'],
        locations: ['IE', 'US'],
        transferMechanism: 'eu-us-dpf',
        website: 'https://stripe.com/',
      },
      summary: 'Payments for paid plans',
    },
    {
      slug: 'sentry',
      kind: 'updated',
      on: '2025-03-01',
      details: { ...SENTRY, locations: ['DE'], transferMechanism: 'eea-only' },
      summary: 'Sentry moved to its EU region (Frankfurt): no more transfer to the US',
    },
    { slug: 'mailchimp', kind: 'removed', on: '2025-06-30', summary: 'Newsletter discontinued; Mailchimp no longer used' },
    {
      slug: 'hetzner-online',
      kind: 'added',
      on: addDays(today, 35),
      details: {
        name: 'Hetzner Online',
        legalEntity: 'Hetzner Online GmbH',
        purpose: 'Off-site storage of encrypted database backups',
        dataCategories: ['Encrypted backups of all portal data'],
        locations: ['DE', 'FI'],
        transferMechanism: 'eea-only',
        website: 'https://www.hetzner.com/',
      },
      summary: 'Second backup location in Germany and Finland',
    },
  ];
}

/** The demo's groups, so the category filter has something to show. */
const DEMO_CATEGORIES: Record<string, SubprocessorCategory> = {
  'amazon-web-services': 'infrastructure',
  cloudflare: 'infrastructure',
  'hetzner-online': 'infrastructure',
  sentry: 'infrastructure',
  mailchimp: 'support',
  postmark: 'support',
  zendesk: 'support',
  stripe: 'payments',
};

/** Seeds the demo registry when it is empty; never touches a registry that holds anything. */
export async function seedDemoRegistry(db: DB, options: { timeZone: string; now?: Date }): Promise<boolean> {
  const today = todayIn(options.timeZone, options.now);
  return db.transaction().execute(async (trx) => {
    // Two instances starting together must not both seed.
    await trx.selectFrom('subprocessor_registry_state').select('id').where('id', '=', 1).forUpdate().execute();
    const existing = await trx.selectFrom('subprocessors').select('id').limit(1).execute();
    if (existing.length > 0) return false;
    const ids = new Map<string, string>();
    for (const change of demoChanges(today)) {
      let subprocessorId = ids.get(change.slug);
      if (!subprocessorId) {
        const inserted = await trx.insertInto('subprocessors').values({ slug: change.slug, category: DEMO_CATEGORIES[change.slug] ?? 'other' }).returning('id').executeTakeFirstOrThrow();
        subprocessorId = String(inserted.id);
        ids.set(change.slug, subprocessorId);
      }
      await appendChange(
        trx,
        {
          kind: change.kind,
          subprocessorId,
          effectiveOn: change.on,
          details: change.details ?? null,
          summary: change.summary,
          actorId: null,
          // Past entries read as if announced with the usual notice.
          announcedAt: change.on <= today ? startOfDayIn(addDays(change.on, -30), options.timeZone) : undefined,
        },
        options,
      );
    }
    return true;
  });
}
