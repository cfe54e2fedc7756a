import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const secretSchema = z
  .string()
  .min(32, 'must be at least 32 characters (for example `openssl rand -base64 48`)');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  MAIL_FROM: z.string().min(3).default('Privacy Portal <privacy@localhost>'),
  PORTAL_TIMEZONE: z
    .string()
    .refine(isKnownTimeZone, 'must be an IANA time zone such as Europe/Berlin')
    .default('Europe/London'),
  PORTAL_HOLIDAYS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((d) => d.trim()).filter(Boolean))
    .pipe(z.array(z.iso.date({ error: 'must be a comma-separated list of YYYY-MM-DD dates' }))),
  SESSION_SECRET: secretSchema.optional(),
  EXPORT_KEY: secretSchema.optional(),
  BACKUP_KEY: secretSchema.optional(),
  /** Encrypts connected systems' secrets (webhook signing secrets, OpenDSR tokens) at rest. */
  CONNECTOR_KEY: secretSchema.optional(),
  /** The seed of the Ed25519 key that signs audit exports; derived from EXPORT_KEY when unset. */
  AUDIT_SIGNING_KEY: secretSchema.optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SUBPROCESSOR_NOTICE_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  SUBPROCESSOR_DEMO: z.enum(['auto', 'on', 'off']).default('auto'),
  ORG_NAME: z.string().trim().min(2).max(200).optional(),
  ORG_ADDRESS: z.string().trim().min(5).max(500).optional(),
  ORG_PRIVACY_EMAIL: z.email({ error: 'must be an email address' }).optional(),
  ORG_DPO_NAME: z.string().trim().min(2).max(200).optional(),
  ORG_DPO_EMAIL: z.email({ error: 'must be an email address' }).optional(),
  ORG_REPRESENTATIVE: z.string().trim().min(5).max(500).optional(),
  ORG_PRIVACY_NOTICE_URL: httpUrl.optional(),
  ORG_DPA_URL: httpUrl.optional(),
  ORG_TRANSFERS_URL: httpUrl.optional(),
  AUTHORITY_NAME: z.string().trim().min(2).max(200).optional(),
  AUTHORITY_ADDRESS: z.string().trim().min(5).max(500).optional(),
  AUTHORITY_URL: httpUrl.optional(),
  MAX_CONCURRENT_REQUESTS: z.coerce.number().int().min(1).max(10_000).optional(),
  MAX_QUEUED_REQUESTS: z.coerce.number().int().min(0).max(100_000).default(500),
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_KEEP: z.coerce.number().int().min(1).max(10000).optional(),
  BACKUP_SCHEDULE: z.enum(['daily', 'hourly', 'off']).optional(),
  RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  RETENTION_CLOSED_REQUEST_DAYS: z.coerce.number().int().min(30).max(36500).optional(),
  RETENTION_MAIL_OUTBOX_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  RETENTION_INBOX_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  INBOX_IMAP_URL: z.url({ protocol: /^imaps?$/, error: 'must be an imaps:// or imap:// URL such as imaps://user@host:993/INBOX' }).optional(),
  INBOX_IMAP_PASSWORD: z.string().optional(),
  INBOX_POLL_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  REMINDERS_ENABLED: z.enum(['on', 'off', 'true', 'false', '1', '0'], { error: 'must be on or off' }).optional(),
  REMINDERS_HOUR: z.coerce
    .number({ error: 'must be a whole hour from 0 to 23' })
    .int('must be a whole hour from 0 to 23')
    .min(0, 'must be a whole hour from 0 to 23')
    .max(23, 'must be a whole hour from 0 to 23')
    .default(8),
  REMINDERS_TO: z.email({ error: 'must be an email address' }).optional(),
});

const SECRET_NAMES = ['SESSION_SECRET', 'EXPORT_KEY', 'BACKUP_KEY', 'CONNECTOR_KEY'] as const;
type SecretName = (typeof SECRET_NAMES)[number];

export type Config = {
  env: 'production' | 'development' | 'test';
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  backend: 'pglite' | 'postgres';
  publicUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  timeZone: string;
  holidays: string[];
  /** `auditSigningKey`: AUDIT_SIGNING_KEY, or EXPORT_KEY when unset; app/utils/audit-key.server.ts derives the Ed25519 key from it. */
  secrets: Record<'sessionSecret' | 'exportKey' | 'backupKey' | 'connectorKey' | 'auditSigningKey', string>;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Days' notice owed before a new subprocessor or a change to one takes effect (Art. 28(2)). */
  subprocessorNoticeDays: number;
  /** Seed the demo registry into an empty one at start (`auto`: on the embedded database only). */
  subprocessorDemo: boolean;
  /** Who runs this portal: shown on every page and in every email. */
  organisation: Organisation;
  /**
   * Requests one instance works on at once, and how many more may wait before it answers 503 +
   * Retry-After (see app/utils/availability.server.ts).
   */
  capacity: { maxActive: number; maxQueued: number };
  /** Encrypted backups: where they go, how many are kept, how often the job runner takes one. */
  backup: { dir: string; keep: number | undefined; schedule: 'daily' | 'hourly' | 'off' };
  /** Retention periods set in the environment; unset ones take RETENTION_DAYS in app/models/policy.ts. */
  retention: { unconfirmedSubscriptionDays?: number; closedRequestDays?: number; mailOutboxDays?: number; inboxDays?: number };
  /** The privacy mailbox (app/models/inbox): polled every `pollSeconds` when `imapUrl` is set. */
  inbox: { imapUrl: string | undefined; password: string; pollSeconds: number };
  /** Bearer token for /metrics; without one /metrics answers 404. */
  metricsToken: string | undefined;
  /**
   * The daily deadline reminders to staff (app/models/requests/reminders.server.ts): sent at
   * `hour` local time in PORTAL_TIMEZONE; the team's list goes to `to` when set, else to every
   * staff and admin account.
   */
  reminders: { enabled: boolean; hour: number; to: string | undefined };
};

/**
 * The controller the portal speaks for (Art. 13/14 identity and contacts) and the supervisory
 * authority named in every Art. 12(4) notice. `demo` is true when ORG_NAME is unset: an example
 * identity, marked as such wherever it is shown.
 */
export type Organisation = {
  name: string;
  postalAddress: string;
  privacyEmail: string;
  dpo: { name: string; email: string | undefined } | undefined;
  representative: string | undefined;
  authority: { name: string; address: string; url: string };
  links: { privacyNotice: string | undefined; dpa: string | undefined; transfers: string | undefined };
  demo: boolean;
};

export const DEMO_ORGANISATION: Organisation = {
  name: 'Example Ltd (demo identity)',
  postalAddress: '1 Example Street, London EC1A 1AA, United Kingdom',
  privacyEmail: 'privacy@example.com',
  dpo: { name: 'Alex Example (example DPO)', email: 'dpo@example.com' },
  representative: 'Example GmbH, Beispielstraße 1, 10115 Berlin, Germany (EU representative)',
  authority: {
    name: "Information Commissioner's Office",
    address: 'Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, United Kingdom',
    url: 'https://ico.org.uk/make-a-complaint/',
  },
  links: { privacyNotice: undefined, dpa: undefined, transfers: undefined },
  demo: true,
};

const ORGANISATION_REQUIRED = [
  'ORG_ADDRESS',
  'ORG_PRIVACY_EMAIL',
  'AUTHORITY_NAME',
  'AUTHORITY_ADDRESS',
  'AUTHORITY_URL',
] as const;

function organisationFrom(e: z.infer<typeof envSchema>): Organisation {
  if (!e.ORG_NAME) return DEMO_ORGANISATION;
  const missing = ORGANISATION_REQUIRED.find((name) => !e[name]);
  if (missing) throw new ConfigError(`Invalid configuration: ${missing} is required when ORG_NAME is set`);
  return {
    name: e.ORG_NAME,
    postalAddress: e.ORG_ADDRESS!,
    privacyEmail: e.ORG_PRIVACY_EMAIL!,
    dpo: e.ORG_DPO_NAME ? { name: e.ORG_DPO_NAME, email: e.ORG_DPO_EMAIL } : undefined,
    representative: e.ORG_REPRESENTATIVE,
    authority: { name: e.AUTHORITY_NAME!, address: e.AUTHORITY_ADDRESS!, url: e.AUTHORITY_URL! },
    links: { privacyNotice: e.ORG_PRIVACY_NOTICE_URL, dpa: e.ORG_DPA_URL, transfers: e.ORG_TRANSFERS_URL },
    demo: false,
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function isKnownTimeZone(timeZone: string) {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the environment once. A bad value throws a ConfigError whose message is one line
 * naming the variable, so start-up can print it and stop.
 */
export type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const parsed = envSchema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path.join('.') || 'environment';
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const missing = SECRET_NAMES.filter((name) => !e[name]);
  if (missing.length > 0 && e.NODE_ENV === 'production' && e.DATABASE_URL) {
    // Several instances share one PostgreSQL; a secret generated on one disk would differ on the next.
    throw new ConfigError(
      `Invalid configuration: ${missing[0]} is required in production when DATABASE_URL is set`,
    );
  }
  const generated = missing.length > 0 ? loadOrCreateSecrets(dataDir) : undefined;
  const secret = (name: SecretName) => e[name] ?? generated![name];
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    backend: e.DATABASE_URL ? 'postgres' : 'pglite',
    publicUrl: withoutTrailingSlashes(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    timeZone: e.PORTAL_TIMEZONE,
    holidays: e.PORTAL_HOLIDAYS,
    secrets: {
      sessionSecret: secret('SESSION_SECRET'),
      exportKey: secret('EXPORT_KEY'),
      backupKey: secret('BACKUP_KEY'),
      connectorKey: secret('CONNECTOR_KEY'),
      auditSigningKey: e.AUDIT_SIGNING_KEY ?? secret('EXPORT_KEY'),
    },
    logLevel: e.LOG_LEVEL,
    subprocessorNoticeDays: e.SUBPROCESSOR_NOTICE_DAYS,
    subprocessorDemo: e.SUBPROCESSOR_DEMO === 'on' || (e.SUBPROCESSOR_DEMO === 'auto' && !e.DATABASE_URL),
    organisation: organisationFrom(e),
    capacity: {
      maxActive: e.MAX_CONCURRENT_REQUESTS ?? (e.DATABASE_URL ? 32 : 24),
      maxQueued: e.MAX_QUEUED_REQUESTS,
    },
    backup: { dir: path.resolve(e.BACKUP_DIR ?? path.join(dataDir, 'backups')), keep: e.BACKUP_KEEP, schedule: e.BACKUP_SCHEDULE ?? (e.NODE_ENV === 'test' ? 'off' : 'daily') },
    metricsToken: e.METRICS_TOKEN,
    reminders: {
      // Off by default under NODE_ENV=test (like backups), so a test portal mails no one unasked.
      enabled: e.REMINDERS_ENABLED ? ['on', 'true', '1'].includes(e.REMINDERS_ENABLED) : e.NODE_ENV !== 'test',
      hour: e.REMINDERS_HOUR,
      to: e.REMINDERS_TO,
    },
    retention: {
      unconfirmedSubscriptionDays: e.RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS,
      closedRequestDays: e.RETENTION_CLOSED_REQUEST_DAYS,
      mailOutboxDays: e.RETENTION_MAIL_OUTBOX_DAYS,
      inboxDays: e.RETENTION_INBOX_DAYS,
    },
    inbox: { imapUrl: e.INBOX_IMAP_URL, password: e.INBOX_IMAP_PASSWORD ?? '', pollSeconds: e.INBOX_POLL_SECONDS },
  };
}

function withoutTrailingSlashes(url: string) {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}

function stripEmpty(env: Env) {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}

/** The embedded default: secrets generated once into DATA_DIR (mode 0600) and reused. */
function loadOrCreateSecrets(dataDir: string): Record<SecretName, string> {
  const file = path.join(dataDir, 'secrets.json');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let stored: Partial<Record<SecretName, string>> = {};
  if (fs.existsSync(file)) {
    try {
      stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      throw new ConfigError(`Invalid configuration: ${file} is not valid JSON; restore it from a backup`);
    }
  }
  const secrets = { ...stored } as Record<SecretName, string>;
  let changed = false;
  for (const name of SECRET_NAMES) {
    if (typeof secrets[name] !== 'string' || secrets[name].length < 32) {
      secrets[name] = randomBytes(32).toString('base64url');
      changed = true;
    }
  }
  if (changed) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  fs.chmodSync(file, 0o600);
  return secrets;
}
