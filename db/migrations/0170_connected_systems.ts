import { sql, type Kysely } from 'kysely';

const nonBlank = (column: string) => sql`length(btrim(coalesce(${sql.ref(column)}, ''))) > 0`;

/**
 * Connected systems (issue 19) and what each holds (issue 20): the registry of the systems that
 * hold people's data, one task per request and system, and the files a system answered with.
 *
 * - `connected_systems.kind` says how a request reaches the system: by a signed webhook, by
 *   OpenDSR, by a task mailed to its owner, or `none` (staff reach it and record its answer).
 *   The portal itself is one row (`is_portal`), made at start-up, so its own processing is
 *   declared like any other system's.
 * - Secrets are stored encrypted under CONNECTOR_KEY (never in the database in clear); during a
 *   rotation the previous one stays valid until `previous_secret_valid_until`.
 * - `system_tasks` has one row per request and system (unique): the fan-out can run twice and
 *   make one task. A task's answer is kept as evidence for the proof record.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .createTable('connected_systems')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().check(nonBlank('name')))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('owner_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('owner_email', 'text')
    .addColumn('owner_lang', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('none').check(sql`kind in ('webhook', 'opendsr', 'manual', 'none')`))
    .addColumn('request_types', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('identities', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{email}'::text[]`))
    .addColumn('deadline_days', 'integer', (c) => c.notNull().defaultTo(14).check(sql`deadline_days between 1 and 90`))
    .addColumn('on_missed', 'text', (c) => c.notNull().defaultTo('block').check(sql`on_missed in ('block', 'skip')`))
    .addColumn('fan_out_on', 'text', (c) => c.notNull().defaultTo('verified').check(sql`fan_out_on in ('verified', 'started')`))
    .addColumn('subprocessor_id', 'bigint', (c) => c.references('subprocessors.id'))
    .addColumn('endpoint_url', 'text')
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('secret_enc', 'bytea')
    .addColumn('previous_secret_enc', 'bytea')
    .addColumn('previous_secret_valid_until', 'timestamptz')
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('disabled_reason', 'text')
    // clock_timestamp: systems made in one transaction (an import) keep the order they came in.
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index connected_systems_name on connected_systems (lower(name))`.execute(db);
  await sql`create unique index connected_systems_subprocessor on connected_systems (subprocessor_id) where subprocessor_id is not null`.execute(db);

  await db.schema
    .createTable('system_tasks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('request_id', 'bigint', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('system_id', 'uuid', (c) => c.notNull().references('connected_systems.id'))
    .addColumn('state', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`state in ('pending', 'sent', 'waiting', 'answered', 'skipped', 'failed', 'dead', 'cancelled')`),
    )
    .addColumn('outcome', 'text', (c) => c.check(sql`outcome in ('data', 'no_data', 'erased', 'refused')`))
    .addColumn('outcome_note', 'text')
    .addColumn('answered_at', 'timestamptz')
    .addColumn('answered_how', 'text', (c) => c.check(sql`answered_how in ('signature', 'opendsr_receipt', 'attestation', 'by_hand')`))
    .addColumn('answered_by', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('due_at', 'timestamptz')
    .addColumn('token_hash', 'text')
    .addColumn('token_expires_at', 'timestamptz')
    .addColumn('delivery_id', 'text')
    .addColumn('external_id', 'text')
    .addColumn('receipt', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('system_tasks_one_per_request', ['request_id', 'system_id'])
    .addCheckConstraint('system_tasks_answer', sql`(state = 'answered') = (outcome is not null)`)
    .addCheckConstraint('system_tasks_refusal_reason', sql`outcome is distinct from 'refused' or ${nonBlank('outcome_note')}`)
    .execute();
  await db.schema.createIndex('system_tasks_system').on('system_tasks').columns(['system_id', 'state']).execute();

  await db.schema
    .createTable('system_task_files')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('system_tasks.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.dropTable('system_task_files').execute();
  await db.schema.dropTable('system_tasks').execute();
  await db.schema.dropTable('connected_systems').execute();
}
