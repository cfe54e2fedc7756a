import { sql, type Kysely } from 'kysely';

// coalesce: a CHECK passes on NULL, and a missing reason must fail like an empty one.
const nonBlank = (column: string) => sql`length(btrim(coalesce(${sql.ref(column)}, ''))) > 0`;

/**
 * The breach register (Art. 33(5)): every personal data breach, its 72-hour clock, the filings
 * made to the supervisory authority, and the Art. 34 communication to the people affected.
 *
 * The rules that make the register evidence are held by the database as well as the model, so
 * a script or a bug cannot bypass them:
 * - awareness never before detection; a later awareness carries its written reason; a risk
 *   assessment carries its reasoning; "not notified" and an Art. 34(3) exemption carry theirs;
 * - nothing is ever deleted: DELETE and TRUNCATE are refused on every table here;
 * - filings are append-only (UPDATE refused too), one initial and at most one final per breach,
 *   and a late initial filing carries its reasons;
 * - once the initial filing exists, detection and awareness times are frozen (the filing told
 *   the authority when the clock started, and its lateness was fixed then);
 * - an Art. 34 draft that went out is no longer changed.
 *
 * `users.dpo` marks a staff account as the data protection officer (docs/decisions/162-dpo-designation.md).
 * Delivery of each Art. 34 mail is copied from the outbox by a trigger, because the outbox's
 * rows are deleted after RETENTION_MAIL_OUTBOX_DAYS and the register must keep the record.
 */
export async function up(db: Kysely<any>) {
  await db.schema.alterTable('users').addColumn('dpo', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  // Losing the staff role ends the DPO designation too: granting the role again does not bring it back unasked.
  await sql`
    create function users_dpo_needs_staff() returns trigger language plpgsql as $$
    begin
      if new.role = 'subject' then new.dpo := false; end if;
      return new;
    end
    $$`.execute(db);
  await sql`create trigger users_dpo_needs_staff before insert or update of role, dpo on users for each row execute function users_dpo_needs_staff()`.execute(db);

  await sql`create sequence breach_reference_seq`.execute(db);
  await db.schema
    .createTable('breaches')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull().check(nonBlank('title')))
    .addColumn('detected_at', 'timestamptz', (c) => c.notNull())
    .addColumn('aware_at', 'timestamptz', (c) => c.notNull())
    .addColumn('awareness_reason', 'text')
    .addColumn('confidentiality', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('integrity', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('availability', 'boolean', (c) => c.notNull().defaultTo(false))
    // Art. 33(3)(a)-(d): what happened, whom and what it touched, whom to ask, what it may do, what was done.
    .addColumn('nature', 'text', (c) => c.notNull().check(nonBlank('nature')))
    .addColumn('subject_categories', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('subjects_approx', 'integer', (c) => c.check(sql`subjects_approx >= 0`))
    .addColumn('record_categories', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('records_approx', 'integer', (c) => c.check(sql`records_approx >= 0`))
    .addColumn('dpo_contact', 'text', (c) => c.notNull().check(nonBlank('dpo_contact')))
    .addColumn('consequences', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('measures', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('causes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('controller', 'processor')`))
    .addColumn('controller_name', 'text')
    .addColumn('controller_notified_at', 'timestamptz')
    .addColumn('risk', 'text', (c) => c.notNull().defaultTo('unassessed').check(sql`risk in ('unassessed', 'unlikely', 'risk', 'high')`))
    .addColumn('risk_reasoning', 'text')
    .addColumn('not_notified_reason', 'text')
    .addColumn('not_notified_at', 'timestamptz')
    .addColumn('art34_exemption', 'text', (c) => c.check(sql`art34_exemption in ('protected', 'mitigated', 'disproportionate')`))
    .addColumn('art34_exemption_ground', 'text')
    .addColumn('art34_exemption_at', 'timestamptz')
    // A free reference to the status page's incident this breach came from (an outage), if any.
    .addColumn('incident_ref', 'text')
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('breaches_awareness_after_detection', sql`aware_at >= detected_at`)
    .addCheckConstraint('breaches_later_awareness_reason', sql`aware_at = detected_at or ${nonBlank('awareness_reason')}`)
    .addCheckConstraint('breaches_kind', sql`confidentiality or integrity or availability`)
    .addCheckConstraint('breaches_risk_reasoning', sql`risk = 'unassessed' or ${nonBlank('risk_reasoning')}`)
    .addCheckConstraint('breaches_not_notified_reason', sql`not_notified_at is null or ${nonBlank('not_notified_reason')}`)
    .addCheckConstraint('breaches_exemption_ground', sql`art34_exemption is null or ${nonBlank('art34_exemption_ground')}`)
    .addCheckConstraint('breaches_processor_controller', sql`role = 'controller' or controller_notified_at is null or ${nonBlank('controller_name')}`)
    .execute();
  await db.schema.createIndex('breaches_aware_idx').on('breaches').columns(['aware_at', 'id']).execute();

  await db.schema
    .createTable('breach_filings')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('breach_id', 'uuid', (c) => c.notNull().references('breaches.id'))
    .addColumn('phase', 'text', (c) => c.notNull().check(sql`phase in ('initial', 'follow_up', 'final')`))
    .addColumn('filed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('authority_name', 'text', (c) => c.notNull())
    .addColumn('authority_reference', 'text')
    .addColumn('summary', 'text', (c) => c.notNull().check(nonBlank('summary')))
    // The clock as it stood at the first filing, and whether that filing was late: fixed then.
    .addColumn('deadline_at', 'timestamptz', (c) => c.notNull())
    .addColumn('late', 'boolean', (c) => c.notNull())
    .addColumn('late_reasons', 'text')
    // What the register said about the breach when this phase was filed.
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('recorded_by', 'uuid')
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('breach_filings_late_reasons', sql`phase <> 'initial' or not late or ${nonBlank('late_reasons')}`)
    .execute();
  await sql`create unique index breach_filings_one_initial on breach_filings (breach_id) where phase = 'initial'`.execute(db);
  await sql`create unique index breach_filings_one_final on breach_filings (breach_id) where phase = 'final'`.execute(db);

  await db.schema
    .createTable('breach_notice_drafts')
    .addColumn('breach_id', 'uuid', (c) => c.notNull().references('breaches.id'))
    .addColumn('lang', 'text', (c) => c.notNull().check(sql`lang in ('en', 'de', 'fr')`))
    .addColumn('nature', 'text', (c) => c.notNull())
    .addColumn('consequences', 'text', (c) => c.notNull())
    .addColumn('measures', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'uuid')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('locked_at', 'timestamptz')
    .addPrimaryKeyConstraint('breach_notice_drafts_pkey', ['breach_id', 'lang'])
    .execute();

  await db.schema
    .createTable('breach_subjects')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('breach_id', 'uuid', (c) => c.notNull().references('breaches.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_key', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull().check(sql`lang in ('en', 'de', 'fr')`))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('entered', 'account', 'request')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('selected').check(sql`status in ('selected', 'excluded', 'queued', 'sent', 'failed')`),
    )
    .addColumn('outbox_id', 'bigint')
    .addColumn('added_by', 'uuid')
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('queued_at', 'timestamptz')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addUniqueConstraint('breach_subjects_once', ['breach_id', 'email_key'])
    .execute();
  await db.schema.createIndex('breach_subjects_outbox_idx').on('breach_subjects').column('outbox_id').execute();

  await db.schema
    .createTable('breach_reminder_sends')
    .addColumn('breach_id', 'uuid', (c) => c.notNull().references('breaches.id'))
    .addColumn('hours_before', 'integer', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('breach_reminder_sends_pkey', ['breach_id', 'hours_before', 'recipient'])
    .execute();

  await sql`
    create function breach_register_refuse() returns trigger language plpgsql as $$
    begin
      raise exception 'the breach register keeps everything: % on % refused', tg_op, tg_table_name using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  for (const table of ['breaches', 'breach_filings', 'breach_notice_drafts', 'breach_subjects', 'breach_reminder_sends']) {
    const ops = table === 'breach_filings' ? 'update or delete' : 'delete';
    await sql`create trigger ${sql.raw(`${table}_keep`)} before ${sql.raw(ops)} on ${sql.table(table)} for each row execute function breach_register_refuse()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)} for each statement execute function breach_register_refuse()`.execute(db);
  }

  await sql`
    create function breaches_clock_frozen() returns trigger language plpgsql as $$
    begin
      if (new.aware_at is distinct from old.aware_at or new.detected_at is distinct from old.detected_at)
         and exists (select 1 from breach_filings where breach_id = old.id and phase = 'initial') then
        raise exception 'breach %: the initial filing fixed detection and awareness times', old.reference using errcode = 'check_violation';
      end if;
      return new;
    end
    $$`.execute(db);
  await sql`create trigger breaches_clock_frozen before update on breaches for each row execute function breaches_clock_frozen()`.execute(db);

  await sql`
    create function breach_notice_drafts_locked() returns trigger language plpgsql as $$
    begin
      if old.locked_at is not null then
        raise exception 'an Art. 34 draft that was sent is kept as sent' using errcode = 'check_violation';
      end if;
      return new;
    end
    $$`.execute(db);
  await sql`create trigger breach_notice_drafts_locked before update on breach_notice_drafts for each row execute function breach_notice_drafts_locked()`.execute(db);

  await sql`
    create function breach_subjects_delivery() returns trigger language plpgsql as $$
    begin
      update breach_subjects
         set status = new.status,
             sent_at = new.sent_at,
             attempts = new.attempts,
             last_error = left(new.last_error, 300)
       where outbox_id = new.id;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger mail_outbox_breach_delivery after update of status, attempts, sent_at on mail_outbox
    for each row when (new.status is distinct from old.status or new.attempts is distinct from old.attempts)
    execute function breach_subjects_delivery()`.execute(db);
}

export async function down(db: Kysely<any>) {
  await sql`drop trigger if exists mail_outbox_breach_delivery on mail_outbox`.execute(db);
  await sql`drop function if exists breach_subjects_delivery()`.execute(db);
  for (const table of ['breach_reminder_sends', 'breach_subjects', 'breach_notice_drafts', 'breach_filings', 'breaches']) {
    await db.schema.dropTable(table).execute();
  }
  await sql`drop function if exists breach_notice_drafts_locked()`.execute(db);
  await sql`drop function if exists breaches_clock_frozen()`.execute(db);
  await sql`drop function if exists breach_register_refuse()`.execute(db);
  await sql`drop sequence if exists breach_reference_seq`.execute(db);
  await sql`drop trigger if exists users_dpo_needs_staff on users`.execute(db);
  await sql`drop function if exists users_dpo_needs_staff()`.execute(db);
  await db.schema.alterTable('users').dropColumn('dpo').execute();
}
