import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
/** The portal's languages (app/utils/i18n.ts LANGUAGES); a CHECK in migration 0060 holds the same list. */
export type Language = 'en' | 'de' | 'fr';

/** Columns the database fills in; readable as Date, writable as Date or ISO string, optional on insert. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export type JobState = 'pending' | 'running' | 'done' | 'failed';

/** Background work (mail, expiry, reminders, announcements) claimed with FOR UPDATE SKIP LOCKED. */
export interface JobsTable {
  id: Generated<string>;
  kind: string;
  payload: Json<Record<string, unknown>>;
  state: ColumnType<JobState, JobState | undefined, JobState>;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  run_at: ColumnType<Date, Date | string | undefined, Date | string>;
  locked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  dedupe_key: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  finished_at: ColumnType<Date | null, never, Date | string | null>;
}

/** What a subprocessor does and where, as of one change; null for a removal. */
export type SubprocessorDetails = {
  name: string;
  legalEntity: string;
  purpose: string;
  dataCategories: string[];
  /** ISO 3166-1 alpha-2 codes. */
  locations: string[];
  transferMechanism: string;
  website: string;
};

export type SubprocessorCategory = 'infrastructure' | 'support' | 'payments' | 'affiliates' | 'other';

export interface SubprocessorsTable {
  id: Generated<string>;
  slug: string;
  created_at: CreatedAt;
  /** Art. 19: where erasure notices go (internal, never published). */
  privacy_contact_email: string | null;
  receives_personal_data: Generated<boolean>;
  category: Defaulted<SubprocessorCategory>;
}

export interface ErasureNoticesTable {
  id: Generated<string>;
  request_id: string;
  subprocessor_id: string;
  contact_email: string;
  created_at: CreatedAt;
}

export type SubprocessorChangeKind = 'added' | 'updated' | 'removed';

export interface SubprocessorChangesTable {
  id: Generated<string>;
  subprocessor_id: string;
  kind: SubprocessorChangeKind;
  /** A calendar date in PORTAL_TIMEZONE. pg reads `date` as a local-midnight Date: select it with ::text. */
  effective_on: ColumnType<string, string, never>;
  details: ColumnType<SubprocessorDetails | null, string | null, never>;
  summary: string;
  actor_id: string | null;
  announced_at: CreatedAt;
}

export interface SubprocessorRegistryStateTable {
  id: number;
  version: ColumnType<string, never, string>;
  updated_at: Timestamp;
}

export interface SubprocessorSubscriptionsTable {
  id: Generated<string>;
  email: string;
  confirm_token_hash: string | null;
  confirm_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  confirmed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  unsubscribed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: CreatedAt;
  lang: Defaulted<Language>;
}

export interface SubprocessorAlertsTable {
  change_id: string;
  subscription_id: string;
  stage: 'announced' | 'effective';
  created_at: CreatedAt;
}

export interface SubprocessorObjectionsTable {
  id: Generated<string>;
  change_id: string;
  organisation: string;
  email: string;
  reason: string;
  created_at: CreatedAt;
  answer: string | null;
  answered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  answered_by: string | null;
  /** The language the objection was filed in: the acknowledgement and the answer use it. */
  lang: Defaulted<Language>;
}

export type MailStatus = 'queued' | 'sent' | 'failed';

/** Outgoing mail, written with the change it reports and delivered by the `mail.deliver` job. */
export interface MailOutboxTable {
  id: Generated<string>;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  headers: Json<Record<string, string>>;
  status: ColumnType<MailStatus, MailStatus | undefined, MailStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  message_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  sent_at: ColumnType<Date | null, never, Date | string | null>;
}

/** Fixed-window counters shared by every app instance. */
export interface RateLimitsTable {
  bucket: string;
  key_hash: string;
  window_start: Timestamp;
  window_end: Timestamp;
  hits: ColumnType<number, number | undefined, number>;
}

export type Role = 'subject' | 'staff' | 'admin';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  role: ColumnType<Role, Role | undefined, Role>;
  created_at: CreatedAt;
  password_changed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** When the owner proved the address by opening the emailed link; null until then. */
  email_verified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Staff only: email me when a request is assigned to me or a subject replies to one of mine. */
  staff_notifications: Defaulted<boolean>;
}

/** Single-use links that prove an account's email; only the token's SHA-256 is stored. */
export interface AccountEmailTokensTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  email: string;
  expires_at: Timestamp;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: CreatedAt;
}

/** Password reset links: single use, one hour; only the SHA-256 of the token is stored. */
export interface PasswordResetTokensTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  expires_at: Timestamp;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: CreatedAt;
}

/** Revocable sessions: only the SHA-256 of the cookie's token is stored. */
export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  created_at: CreatedAt;
  last_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
  idle_expires_at: Timestamp;
  expires_at: Timestamp;
}

/** Append-only record of who did what (sign-ins, role changes, staff actions). */
export interface AuditEventsTable {
  id: Generated<string>;
  occurred_at: CreatedAt;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Json<Record<string, unknown>>;
  ip: string | null;
  /** The chain (app/models/audit-chain.ts): sha256(prev_hash || canonical JSON of the row). */
  prev_hash: string;
  hash: string;
}

/** One row: the last link of the audit chain, locked FOR UPDATE by each writer. */
export interface AuditChainHeadTable {
  id: number;
  last_id: string | null;
  last_hash: string;
}

/** Failed sign-in counters per account and per client address. */
export interface LoginThrottleTable {
  key: string;
  failures: ColumnType<number, number | undefined, number>;
  last_failure_at: ColumnType<Date, Date | string | undefined, Date | string>;
  blocked_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export type RequestType = 'access' | 'rectification' | 'erasure' | 'restriction' | 'portability' | 'objection';
export type RequestStateColumn =
  | 'unverified'
  | 'open'
  | 'in_progress'
  | 'awaiting_subject'
  | 'completed'
  | 'denied'
  | 'withdrawn'
  | 'expired';
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** A data-subject request. Dates of the statutory clock are `YYYY-MM-DD` in PORTAL_TIMEZONE. */
export interface RequestsTable {
  id: Generated<string>;
  reference: string;
  type: RequestType;
  state: RequestStateColumn;
  email: string;
  email_key: Nullable<string>;
  name: string;
  account_identifier: Nullable<string>;
  details: Nullable<string>;
  requester_role: 'self' | 'representative';
  user_id: Nullable<string>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  received_at: NullableTimestamp;
  due_date: Nullable<string>;
  extension_months: Defaulted<number>;
  extension_reason: Nullable<string>;
  extended_at: NullableTimestamp;
  paused_at: NullableTimestamp;
  paused_days: Defaulted<number>;
  closed_at: NullableTimestamp;
  personal_data_deleted_at: NullableTimestamp;
  /** The staff member working the request (users.id), if any. */
  assigned_to: ColumnType<string | null, string | null | undefined, string | null>;
  /** What staff recorded when closing it (rectified, restricted, objection upheld, ...). */
  outcome: ColumnType<string | null, string | null | undefined, string | null>;
  /** SHA-256 of the normalised email, kept when retention anonymises a closed request. */
  email_hash: ColumnType<string | null, string | null | undefined, string | null>;
  /** The language the subject filed in: every later email to them uses it. */
  lang: Defaulted<Language>;
  scope: Nullable<string>;
  period_from: Nullable<string>;
  period_to: Nullable<string>;
  aliases: Nullable<string>;
  preferred_format: Nullable<'json' | 'csv' | 'pdf'>;
  /** ISO 3166-1 alpha-2. */
  country: Nullable<string>;
  /** Set when an agent files (requester_role = representative): the person the request is about. */
  subject_name: Nullable<string>;
  subject_email: Nullable<string>;
  agent_relationship: Nullable<string>;
}

/** A restriction or upheld objection that stays with the person's address (shown on their later requests). */
export interface SubjectFlagsTable {
  id: Generated<string>;
  email_key: string;
  kind: 'restriction' | 'objection_upheld';
  request_id: string;
  created_at: CreatedAt;
}

/** The timeline of a request: every transition and every message, append-only in practice. */
export interface RequestEventsTable {
  id: Generated<string>;
  request_id: string;
  at: CreatedAt;
  actor: 'subject' | 'staff' | 'system';
  actor_id: Nullable<string>;
  kind: string;
  from_state: Nullable<string>;
  to_state: Nullable<string>;
  note: Nullable<string>;
  visible_to_subject: Defaulted<boolean>;
}

/** Verification and private status links: only the SHA-256 of the token is stored. */
export interface RequestTokensTable {
  id: Generated<string>;
  request_id: string;
  purpose: 'verify' | 'status';
  token_hash: string;
  expires_at: NullableTimestamp;
  used_at: NullableTimestamp;
  created_at: CreatedAt;
}

/** Idempotency keys of intake submissions: a retried form post finds its first outcome here. */
export interface RequestSubmissionsTable {
  key: string;
  request_id: Nullable<string>;
  outcome: 'created' | 'duplicate';
  created_at: CreatedAt;
}

/** Files a subject attached to a reply, AES-256-GCM encrypted. */
export interface RequestAttachmentsTable {
  id: Generated<string>;
  request_id: string;
  event_id: Nullable<string>;
  filename: string;
  content_type: 'application/pdf' | 'image/png' | 'image/jpeg';
  size: number;
  iv: Buffer;
  auth_tag: Buffer;
  ciphertext: Buffer;
  created_at: CreatedAt;
}

export type PackageFileType = 'text/csv' | 'application/json' | 'application/pdf' | 'image/png' | 'image/jpeg';

/** A file staff uploaded from another system for an access or portability answer, AES-256-GCM encrypted. */
export interface PackageFilesTable {
  id: Generated<string>;
  request_id: string;
  filename: string;
  content_type: PackageFileType;
  size: number;
  sha256: string;
  iv: Buffer;
  auth_tag: Buffer;
  ciphertext: Buffer;
  uploaded_by: Nullable<string>;
  created_at: CreatedAt;
}

/** The finished access/portability ZIP, encrypted; the bytes go (deleted_at) after expiry or the last download. */
export interface AccessPackagesTable {
  id: Generated<string>;
  request_id: string;
  filename: string;
  size: number;
  sha256: string;
  iv: Buffer | null;
  auth_tag: Buffer | null;
  ciphertext: Buffer | null;
  created_by: Nullable<string>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  max_downloads: Defaulted<number>;
  downloads: Defaulted<number>;
  deleted_at: NullableTimestamp;
}

export interface PackageDownloadsTable {
  id: Generated<string>;
  package_id: string;
  at: CreatedAt;
  via: 'status_link' | 'account';
}

/** One row per reminder mailed: recipient (lower-cased address), local day, kind. Its key makes the send once a day. */
export interface ReminderSendsTable {
  recipient: string;
  /** A local calendar date (YYYY-MM-DD) in PORTAL_TIMEZONE, written as text; read it as `day::text` (drivers turn a date into a Date at some midnight). */
  day: ColumnType<Date, string, string>;
  kind: 'assigned' | 'team';
  created_at: CreatedAt;
}

export interface Database {
  jobs: JobsTable;
  subprocessors: SubprocessorsTable;
  erasure_notices: ErasureNoticesTable;
  subprocessor_changes: SubprocessorChangesTable;
  subprocessor_registry_state: SubprocessorRegistryStateTable;
  subprocessor_subscriptions: SubprocessorSubscriptionsTable;
  subprocessor_alerts: SubprocessorAlertsTable;
  subprocessor_objections: SubprocessorObjectionsTable;
  mail_outbox: MailOutboxTable;
  rate_limits: RateLimitsTable;
  users: UsersTable;
  account_email_tokens: AccountEmailTokensTable;
  password_reset_tokens: PasswordResetTokensTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
  login_throttle: LoginThrottleTable;
  requests: RequestsTable;
  request_events: RequestEventsTable;
  subject_flags: SubjectFlagsTable;
  request_tokens: RequestTokensTable;
  request_submissions: RequestSubmissionsTable;
  request_attachments: RequestAttachmentsTable;
  package_files: PackageFilesTable;
  access_packages: AccessPackagesTable;
  package_downloads: PackageDownloadsTable;
  reminder_sends: ReminderSendsTable;
}

export type Job = Selectable<JobsTable>;
export type NewJob = Insertable<JobsTable>;
export type JobUpdate = Updateable<JobsTable>;
export type User = Selectable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
export type { Timestamp };
export type RequestUpdate = Updateable<RequestsTable>;
export type RequestRow = Selectable<RequestsTable>;
export type RequestEvent = Selectable<RequestEventsTable>;
