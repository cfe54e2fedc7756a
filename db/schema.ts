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

/** One Art. 19 notice per recipient of personal data and erasure: mailed to its contact, or sent by hand by staff. */
export interface ErasureNoticesTable {
  id: Generated<string>;
  request_id: string;
  subprocessor_id: string;
  /** Null for a recipient without a privacy contact (method 'by_hand'). */
  contact_email: string | null;
  created_at: CreatedAt;
  method: ColumnType<'email' | 'by_hand', 'email' | 'by_hand' | undefined, 'email' | 'by_hand'>;
  /** When the recipient was told: at once for 'email'; when staff record it for 'by_hand'. */
  notified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  notified_by: ColumnType<string | null, string | null | undefined, string | null>;
  notified_how: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the recipient confirmed it erased, as staff recorded it. */
  confirmed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  confirmed_by: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One row per erasure, replayed after a restore of an older backup (also kept in a file beside the backups). */
export interface ErasureLedgerTable {
  id: Generated<string>;
  /** The erasure request's reference. */
  reference: string;
  /** SHA-256 of the normalised address, as proof records keep it. */
  email_hash: string;
  erased_at: Timestamp;
  /** References of the requests reduced to proof records. */
  requests: ColumnType<string[], string | undefined, string>;
  account_deleted: ColumnType<boolean, boolean | undefined, boolean>;
  /** Set on a row that a restore applied again. */
  replayed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
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
  /** Topics (migration 0150): registry change alerts, service-status alerts. */
  registry_alerts: Defaulted<boolean>;
  status_alerts: Defaulted<boolean>;
  /** Status alerts about every component; otherwise only those in status_subscription_components. */
  status_all_components: Defaulted<boolean>;
  /** A change asked for on a public form, applied when its confirmation link is used. */
  pending_change: ColumnType<unknown | null, string | null | undefined, string | null>;
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
  /** A staff account acting as data protection officer: keeps the breach register (migration 0160). */
  dpo: Generated<boolean>;
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

/** The one-time link a starting portal shows while no administrator exists; only the token's SHA-256 is stored. */
export interface AdminSetupLinksTable {
  id: Generated<string>;
  token_hash: string;
  expires_at: Timestamp;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: CreatedAt;
}

/** An administrator's emailed invitation to become staff or admin; only the token's SHA-256 is stored. */
export interface StaffInvitationsTable {
  id: Generated<string>;
  email: string;
  role: 'staff' | 'admin';
  token_hash: string;
  invited_by: string | null;
  expires_at: Timestamp;
  accepted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
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
  /** Outcome `partial`: what was withheld and why, as the subject reads it (Art. 15(4), 20(4)). */
  withheld_reason: Nullable<string>;
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
  /** How the request reached the organisation (app/models/requests/channels.ts); the form sets 'web'. */
  channel: Defaulted<RequestChannel>;
  /** Why it was refused, one of app/models/requests/refusal-grounds.ts; null unless denied (and for refusals made before 0140). */
  refusal_ground: Nullable<RefusalGround>;
  /** When the person an agent's request is about confirmed it themselves, and how (issue 24.1). */
  subject_confirmed_at: NullableTimestamp;
  subject_confirmed_via: Nullable<'email' | 'account'>;
  /** Staff's record of the check of an agent's authority: who, when, which document. */
  authority_checked_at: NullableTimestamp;
  authority_checked_by: Nullable<string>;
  authority_document_kind: Nullable<AuthorityDocumentKind>;
  authority_document: Nullable<string>;
  /** Completed while a connected system had not answered: why, when and by whom (issue 19.7). */
  systems_override_reason: Nullable<string>;
  systems_override_at: NullableTimestamp;
  systems_override_by: Nullable<string>;
  /** The highest identity level reached (issue 21.3); the level needed follows from app/models/policy.ts. */
  verification_level: Nullable<VerificationLevel>;
  verification_level_at: NullableTimestamp;
  /** A subject reached by post only (logged by staff, no email): where letters go (issue 21). */
  postal_address: Nullable<string>;
  /** Why staff dated the receipt more than 3 days back or in the future. */
  receipt_reason: Nullable<string>;
  /** The staff member who logged a request received outside the form. */
  logged_by: Nullable<string>;
}

/** How sure the organisation is of who asked, weakest first but `manual` (app/models/requests/verification-levels.ts). */
export type VerificationLevel = 'email' | 'account' | 'account+code' | 'manual';

/** A one-time code mailed to the address for `account+code`: only its HMAC is stored. */
export interface VerificationCodesTable {
  id: Generated<string>;
  request_id: string;
  code_hash: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  attempts: Defaulted<number>;
  used_at: NullableTimestamp;
  created_at: CreatedAt;
}

/** Staff's record of a manual check of identity or of an agent's authority; the documents shown are deleted. */
export interface IdentityChecksTable {
  id: Generated<string>;
  request_id: string;
  purpose: 'identity' | 'authority';
  method: string;
  note: Nullable<string>;
  checked_by: Nullable<string>;
  checked_at: ColumnType<Date, Date | string, Date | string>;
  documents_deleted: Defaulted<number>;
}

export type RequestChannel = 'web' | 'email' | 'letter' | 'phone' | 'in_person' | 'other';
export type RefusalGround =
  | 'unfounded_or_excessive'
  | 'identity_not_established'
  | 'duplicate'
  | 'rights_of_others'
  | 'erasure_exemption'
  | 'legal_restriction'
  | 'other';

/** One row: the PORTAL_TIMEZONE report_cells were counted in (null until first built). */
export interface ReportSettingsTable {
  id: number;
  time_zone: string | null;
  built_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/**
 * Report figures as counts, kept by a trigger on requests (migration 0140): per local day, ISO
 * week (Monday) or month, measure, type and value (days or percent for the histograms), in two
 * breakdowns: by channel (assignee `*`) and by assignee (channel `*`; `none` for nobody).
 * `period_start` is a date: select it as `period_start::text`.
 */
export interface ReportCellsTable {
  grain: 'day' | 'week' | 'month';
  period_start: ColumnType<string, string, string>;
  measure: string;
  type: string;
  channel: string;
  assignee: string;
  value: number;
  n: ColumnType<string, string | number, string | number>;
}

export type TransparencyCorrectionReason = 'records_added_late' | 'recording_error' | 'counting_error';

/** A published yearly report: a frozen snapshot; a correction is a new version. */
export interface TransparencyReportsTable {
  id: Generated<string>;
  year: number;
  version: number;
  figures: ColumnType<unknown, string, never>;
  correction_reason: Nullable<TransparencyCorrectionReason>;
  published_at: CreatedAt;
  published_by: Nullable<string>;
}

export type AuthorityDocumentKind = 'signed_authorisation' | 'power_of_attorney' | 'parental_responsibility' | 'court_order' | 'other';

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
  purpose: 'verify' | 'status' | 'subject_confirm';
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
  /** message/rfc822: an original email (logged by staff, or the privacy mailbox); vnd.ms-outlook: an Outlook .msg. */
  content_type: 'application/pdf' | 'image/png' | 'image/jpeg' | 'message/rfc822' | 'application/vnd.ms-outlook';
  size: number;
  iv: Buffer;
  auth_tag: Buffer;
  ciphertext: Buffer;
  created_at: CreatedAt;
}

export type InboxItemState = 'new' | 'converted' | 'attached' | 'dismissed';

/** One message polled from the privacy mailbox (migration 0212). */
export interface InboxItemsTable {
  id: Generated<string>;
  mailbox: string;
  uidvalidity: ColumnType<string, string | number | bigint, never>;
  uid: ColumnType<string, string | number | bigint, never>;
  message_id: Nullable<string>;
  from_address: string;
  from_name: ColumnType<string, string | undefined, string>;
  subject: ColumnType<string, string | undefined, string>;
  sent_at: Nullable<Date>;
  received_at: CreatedAt;
  body_text: ColumnType<string, string | undefined, string>;
  eml_size: number;
  eml_iv: Buffer;
  eml_auth_tag: Buffer;
  eml_ciphertext: Buffer;
  state: ColumnType<InboxItemState, InboxItemState | undefined, InboxItemState>;
  state_reason: Nullable<string>;
  request_id: Nullable<string>;
  handled_by: Nullable<string>;
  handled_at: Nullable<Date>;
}

export interface InboxAttachmentsTable {
  id: Generated<string>;
  item_id: string;
  filename: string;
  content_type: string;
  size: number;
  iv: Buffer;
  auth_tag: Buffer;
  ciphertext: Buffer;
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
  /** The file in the format the subject asked for, inside the ZIP and downloadable on its own. */
  format_file: Nullable<PackageFormatFile>;
  format_size: Nullable<number>;
  /** How many sealed chunks in package_chunks hold the ZIP (0: a package from before 0218, in `ciphertext`). */
  chunks: ColumnType<number, number | undefined, number>;
  /** Where the format file's bytes start in the ZIP (stored uncompressed); bigint, read through Number(). */
  format_offset: ColumnType<string | number | null, number | null | undefined, number | null>;
}

/** One sealed piece of a streamed package (decision 218), in order by seq. */
export interface PackageChunksTable {
  package_id: string;
  seq: number;
  iv: Buffer;
  auth_tag: Buffer;
  ciphertext: Buffer;
}

export type PackageFormatFile = 'summary.pdf' | 'data.csv';

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

export type BreachRisk = 'unassessed' | 'unlikely' | 'risk' | 'high';
export type BreachRole = 'controller' | 'processor';
export type Art34Exemption = 'protected' | 'mitigated' | 'disproportionate';
export type BreachFilingPhase = 'initial' | 'follow_up' | 'final';
export type BreachSubjectStatus = 'selected' | 'excluded' | 'queued' | 'sent' | 'failed';

/** A personal data breach (Art. 33(5)); never deleted (migration 0160). */
export interface BreachesTable {
  id: Generated<string>;
  reference: string;
  title: string;
  detected_at: Timestamp;
  aware_at: Timestamp;
  awareness_reason: Nullable<string>;
  confidentiality: Defaulted<boolean>;
  integrity: Defaulted<boolean>;
  availability: Defaulted<boolean>;
  nature: string;
  subject_categories: Defaulted<string>;
  subjects_approx: Nullable<number>;
  record_categories: Defaulted<string>;
  records_approx: Nullable<number>;
  dpo_contact: string;
  consequences: Defaulted<string>;
  measures: Defaulted<string>;
  causes: Defaulted<string>;
  role: BreachRole;
  controller_name: Nullable<string>;
  controller_notified_at: NullableTimestamp;
  risk: Defaulted<BreachRisk>;
  risk_reasoning: Nullable<string>;
  not_notified_reason: Nullable<string>;
  not_notified_at: NullableTimestamp;
  art34_exemption: Nullable<Art34Exemption>;
  art34_exemption_ground: Nullable<string>;
  art34_exemption_at: NullableTimestamp;
  incident_ref: Nullable<string>;
  created_by: Nullable<string>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A notification to the supervisory authority, one phase of it; append-only. */
export interface BreachFilingsTable {
  id: Generated<string>;
  breach_id: string;
  phase: BreachFilingPhase;
  filed_at: ColumnType<Date, Date | string, never>;
  authority_name: string;
  authority_reference: Nullable<string>;
  summary: string;
  deadline_at: ColumnType<Date, Date | string, never>;
  late: boolean;
  late_reasons: Nullable<string>;
  content: Json<Record<string, unknown>>;
  recorded_by: Nullable<string>;
  recorded_at: CreatedAt;
}

/** The plain-language Art. 34 text in one language; locked once sent. */
export interface BreachNoticeDraftsTable {
  breach_id: string;
  lang: Language;
  nature: string;
  consequences: string;
  measures: string;
  updated_by: Nullable<string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  locked_at: NullableTimestamp;
}

/** A person told (or to be told) of a breach under Art. 34, and how delivery went. */
export interface BreachSubjectsTable {
  id: Generated<string>;
  breach_id: string;
  email: string;
  email_key: string;
  lang: Language;
  source: 'entered' | 'account' | 'request';
  status: Defaulted<BreachSubjectStatus>;
  outbox_id: Nullable<string>;
  added_by: Nullable<string>;
  added_at: CreatedAt;
  queued_at: NullableTimestamp;
  sent_at: NullableTimestamp;
  attempts: Defaulted<number>;
  last_error: Nullable<string>;
}

/** One row per deadline reminder mailed: a person gets each of a breach's reminders once. */
export interface BreachReminderSendsTable {
  breach_id: string;
  hours_before: number;
  recipient: string;
  created_at: CreatedAt;
}

/** Service status (app/models/status/): see db/migrations/0150_service_status.ts. */
export type ComponentStatus = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance' | 'no_data';
export type StatusSource = 'staff' | 'api' | 'uptime_kuma' | 'heartbeat' | 'maintenance' | 'incident';
export type IncidentKind = 'incident' | 'maintenance';
export type IncidentImpact = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';

export interface StatusPageTable {
  id: number;
  page_id: string;
  version: ColumnType<string, never, string>;
  updated_at: Timestamp;
}

export interface StatusComponentsTable {
  id: Generated<string>;
  group_id: Nullable<string>;
  is_group: Defaulted<boolean>;
  name: string;
  description: Nullable<string>;
  position: Defaulted<number>;
  status: Defaulted<ComponentStatus>;
  /** A calendar date in PORTAL_TIMEZONE: select it with ::text. */
  start_date: ColumnType<string, string, string>;
  only_show_if_degraded: Defaulted<boolean>;
  heartbeat_seconds: Nullable<number>;
  last_report_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface StatusComponentChangesTable {
  id: Generated<string>;
  component_id: string;
  status: ComponentStatus;
  at: Timestamp;
  source: StatusSource;
  actor_id: Nullable<string>;
  token_id: Nullable<string>;
  incident_id: Nullable<string>;
}

export interface StatusIncidentsTable {
  id: Generated<string>;
  kind: IncidentKind;
  name: string;
  status: string;
  impact: IncidentImpact;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  started_at: Timestamp;
  monitoring_at: NullableTimestamp;
  resolved_at: NullableTimestamp;
  scheduled_for: NullableTimestamp;
  scheduled_until: NullableTimestamp;
  auto_transition: Defaulted<boolean>;
  remind_minutes: Nullable<number>;
  reminded_at: NullableTimestamp;
  postmortem: Nullable<string>;
  postmortem_published_at: NullableTimestamp;
  created_by: Nullable<string>;
  source: StatusSource;
}

export interface StatusIncidentComponentsTable {
  incident_id: string;
  component_id: string;
}

export type AffectedComponent = { code: string; name: string; old_status: ComponentStatus; new_status: ComponentStatus };

export interface StatusIncidentUpdatesTable {
  id: Generated<string>;
  incident_id: string;
  status: string;
  body: string;
  created_at: CreatedAt;
  notify: Defaulted<boolean>;
  affected: ColumnType<AffectedComponent[], string | undefined, string>;
  actor_id: Nullable<string>;
  source: StatusSource;
}

export interface StatusApiTokensTable {
  id: Generated<string>;
  name: string;
  token_hash: string;
  scopes: ColumnType<string[], string, string>;
  component_ids: ColumnType<string[] | null, string | null | undefined, string | null>;
  created_by: Nullable<string>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  revoked_by: Nullable<string>;
  last_used_at: NullableTimestamp;
}

export interface StatusSubscriptionComponentsTable {
  subscription_id: string;
  component_id: string;
}

export interface StatusSubscriptionIncidentsTable {
  subscription_id: string;
  incident_id: string;
}

export interface StatusNotificationsTable {
  event_key: string;
  subscription_id: string;
  created_at: CreatedAt;
}

/** Connected systems (migration 0170) and their data-map fields (migration 0200). */
export type SystemKind = 'webhook' | 'opendsr' | 'manual' | 'none';
export type SystemTaskState = 'pending' | 'sent' | 'waiting' | 'answered' | 'skipped' | 'failed' | 'dead' | 'cancelled';
export type SystemTaskOutcome = 'data' | 'no_data' | 'erased' | 'refused';
type NullableTime = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface ConnectedSystemsTable {
  id: Generated<string>;
  name: string;
  description: Defaulted<string>;
  owner_name: Defaulted<string>;
  owner_email: Nullable<string>;
  owner_lang: Defaulted<string>;
  kind: Defaulted<SystemKind>;
  request_types: Defaulted<string[]>;
  identities: Defaulted<string[]>;
  deadline_days: Defaulted<number>;
  on_missed: Defaulted<'block' | 'skip'>;
  fan_out_on: Defaulted<'verified' | 'started'>;
  /** bigint: a string on pg, a number on PGlite; compare with String(). */
  subprocessor_id: Nullable<string>;
  endpoint_url: Nullable<string>;
  settings: ColumnType<Record<string, unknown>, string | undefined, string>;
  secret_enc: Nullable<Buffer>;
  previous_secret_enc: Nullable<Buffer>;
  previous_secret_valid_until: NullableTime;
  enabled: Defaulted<boolean>;
  disabled_reason: Nullable<string>;
  created_at: CreatedAt;
  updated_at: Defaulted<Date>;
  fides_key: Nullable<string>;
  security_measures: Defaulted<string>;
  /** The fideslang system object it was imported from (for a faithful export). */
  fideslang: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  is_portal: Defaulted<boolean>;
  allowlisted_host: Nullable<string>;
  last_tested_at: NullableTime;
  last_test_result: Nullable<string>;
}

export interface SystemTasksTable {
  id: Generated<string>;
  request_id: string;
  system_id: string;
  state: Defaulted<SystemTaskState>;
  outcome: Nullable<SystemTaskOutcome>;
  outcome_note: Nullable<string>;
  answered_at: NullableTime;
  answered_how: Nullable<'signature' | 'opendsr_receipt' | 'attestation' | 'by_hand'>;
  answered_by: Nullable<string>;
  attempts: Defaulted<number>;
  last_error: Nullable<string>;
  next_attempt_at: NullableTime;
  due_at: NullableTime;
  token_hash: Nullable<string>;
  token_expires_at: NullableTime;
  delivery_id: Nullable<string>;
  external_id: Nullable<string>;
  receipt: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  updated_at: Defaulted<Date>;
  state_reason: Nullable<string>;
  last_status: Nullable<number>;
  last_attempt_at: NullableTime;
  sent_at: NullableTime;
  reminded_at: NullableTime;
  fan_out_on: Nullable<string>;
}

export interface SystemTaskFilesTable {
  id: Generated<string>;
  task_id: string;
  name: string;
  content_type: string;
  bytes: number;
  sha256: string;
  data: Buffer;
  created_at: CreatedAt;
  iv: Nullable<Buffer>;
  auth_tag: Nullable<Buffer>;
}

export type DatamapTermKind = 'data_category' | 'data_use' | 'data_subject';

export interface DatamapTermsTable {
  id: Generated<string>;
  kind: DatamapTermKind;
  fides_key: string;
  name: string;
  description: Defaulted<string>;
  parent_key: string;
  created_by: Nullable<string>;
  created_at: CreatedAt;
}

/** One saved version of one processing activity (append-only; app/models/datamap/declarations.ts). */
export interface ProcessingActivitiesTable {
  id: Generated<string>;
  activity_id: string;
  system_id: string;
  version: number;
  system_name: string;
  declaration: ColumnType<unknown, string, never>;
  retired: Defaulted<boolean>;
  recorded_by: Nullable<string>;
  recorded_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface DatamapSettingsTable {
  id: number;
  public_notice: Defaulted<boolean>;
  updated_at: Defaulted<Date>;
}

export interface Database {
  jobs: JobsTable;
  subprocessors: SubprocessorsTable;
  erasure_notices: ErasureNoticesTable;
  erasure_ledger: ErasureLedgerTable;
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
  verification_codes: VerificationCodesTable;
  identity_checks: IdentityChecksTable;
  inbox_items: InboxItemsTable;
  inbox_attachments: InboxAttachmentsTable;
  package_files: PackageFilesTable;
  access_packages: AccessPackagesTable;
  package_downloads: PackageDownloadsTable;
  package_chunks: PackageChunksTable;
  reminder_sends: ReminderSendsTable;
  report_settings: ReportSettingsTable;
  report_cells: ReportCellsTable;
  transparency_reports: TransparencyReportsTable;
  breaches: BreachesTable;
  breach_filings: BreachFilingsTable;
  breach_notice_drafts: BreachNoticeDraftsTable;
  breach_subjects: BreachSubjectsTable;
  breach_reminder_sends: BreachReminderSendsTable;
  admin_setup_links: AdminSetupLinksTable;
  staff_invitations: StaffInvitationsTable;
  status_page: StatusPageTable;
  status_components: StatusComponentsTable;
  status_component_changes: StatusComponentChangesTable;
  status_incidents: StatusIncidentsTable;
  status_incident_components: StatusIncidentComponentsTable;
  status_incident_updates: StatusIncidentUpdatesTable;
  status_api_tokens: StatusApiTokensTable;
  status_subscription_components: StatusSubscriptionComponentsTable;
  status_subscription_incidents: StatusSubscriptionIncidentsTable;
  status_notifications: StatusNotificationsTable;
  connected_systems: ConnectedSystemsTable;
  system_tasks: SystemTasksTable;
  system_task_files: SystemTaskFilesTable;
  datamap_terms: DatamapTermsTable;
  processing_activities: ProcessingActivitiesTable;
  datamap_settings: DatamapSettingsTable;
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
export type BreachRow = Selectable<BreachesTable>;
export type BreachFiling = Selectable<BreachFilingsTable>;
