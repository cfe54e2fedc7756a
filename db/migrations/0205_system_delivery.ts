import { sql, type Kysely } from 'kysely';

/**
 * Delivery to connected systems (issue 19): what each attempt left on the task, the allowlisted
 * internal host of a system, the keys of the files systems send back, and a request's override
 * of the completion gate (completed while a system had not answered, with a reason).
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('connected_systems')
    // The one internal host name an administrator allowed (it may resolve to a private address and use http).
    .addColumn('allowlisted_host', 'text')
    .addColumn('last_tested_at', 'timestamptz')
    .addColumn('last_test_result', 'text')
    .execute();
  await db.schema
    .alterTable('system_tasks')
    .addColumn('state_reason', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('reminded_at', 'timestamptz')
    .addColumn('fan_out_on', 'text')
    .execute();
  await sql`create index system_tasks_open on system_tasks (state) where state in ('pending', 'sent', 'waiting', 'failed', 'dead')`.execute(db);
  await db.schema.alterTable('system_task_files').addColumn('iv', 'bytea').addColumn('auth_tag', 'bytea').execute();
  await db.schema
    .alterTable('requests')
    .addColumn('systems_override_reason', 'text')
    .addColumn('systems_override_at', 'timestamptz')
    .addColumn('systems_override_by', 'uuid')
    .execute();
}

export async function down(db: Kysely<any>) {
  await db.schema.alterTable('requests').dropColumn('systems_override_reason').dropColumn('systems_override_at').dropColumn('systems_override_by').execute();
  await db.schema.alterTable('system_task_files').dropColumn('iv').dropColumn('auth_tag').execute();
  await sql`drop index system_tasks_open`.execute(db);
  await db.schema
    .alterTable('system_tasks')
    .dropColumn('state_reason')
    .dropColumn('last_status')
    .dropColumn('last_attempt_at')
    .dropColumn('sent_at')
    .dropColumn('reminded_at')
    .dropColumn('fan_out_on')
    .execute();
  await db.schema.alterTable('connected_systems').dropColumn('allowlisted_host').dropColumn('last_tested_at').dropColumn('last_test_result').execute();
}
