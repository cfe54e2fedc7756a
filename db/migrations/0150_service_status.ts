import { sql, type Kysely } from 'kysely';

const list = (values: readonly string[]) => sql.join(values.map((v) => sql.lit(v)));

/** Statuspage's five component statuses, and `no_data` when a monitor's heartbeat lapsed. */
const COMPONENT_STATUSES = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', 'no_data'];
const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'];
const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'];
const IMPACTS = ['none', 'minor', 'major', 'critical', 'maintenance'];
const SOURCES = ['staff', 'api', 'uptime_kuma', 'heartbeat', 'maintenance', 'incident'];

/**
 * The public service-status page (issue 23): components in two levels, incidents and scheduled
 * maintenance with their updates, every component status change with its source (the 90-day
 * bars are computed from these), API tokens for external monitors (only hashes), and status
 * alerts on the registry's email subscriptions (one subscriber, two topics).
 */
export async function up(db: Kysely<any>) {
  // One row: the page's id (what Statuspage calls page_id) and a version bumped by every write,
  // so every instance derives the same ETag.
  await db.schema
    .createTable('status_page')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('page_id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into status_page (id, page_id) values (1, substr(md5(random()::text || clock_timestamp()::text), 1, 12))`.execute(db);

  await db.schema
    .createTable('status_components')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('group_id', 'bigint', (c) => c.references('status_components.id').onDelete('restrict'))
    .addColumn('is_group', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('operational').check(sql`status in (${list(COMPONENT_STATUSES)})`))
    .addColumn('start_date', 'date', (c) => c.notNull())
    .addColumn('only_show_if_degraded', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('heartbeat_seconds', 'integer', (c) => c.check(sql`heartbeat_seconds between 30 and 604800`))
    .addColumn('last_report_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Two levels: a group is never inside another group.
    .addCheckConstraint('status_components_two_levels', sql`not (is_group and group_id is not null)`)
    .execute();

  await db.schema
    .createTable('status_incidents')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('incident', 'maintenance')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('impact', 'text', (c) => c.notNull().check(sql`impact in (${list(IMPACTS)})`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('monitoring_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('scheduled_for', 'timestamptz')
    .addColumn('scheduled_until', 'timestamptz')
    .addColumn('auto_transition', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('remind_minutes', 'integer', (c) => c.check(sql`remind_minutes between 0 and 10080`))
    .addColumn('reminded_at', 'timestamptz')
    .addColumn('postmortem', 'text')
    .addColumn('postmortem_published_at', 'timestamptz')
    .addColumn('created_by', 'text')
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in (${list(SOURCES)})`))
    .addCheckConstraint(
      'status_incidents_status_by_kind',
      sql`(kind = 'incident' and status in (${list(INCIDENT_STATUSES)})) or (kind = 'maintenance' and status in (${list(MAINTENANCE_STATUSES)}))`,
    )
    .addCheckConstraint(
      'status_incidents_window',
      sql`kind = 'incident' or (scheduled_for is not null and scheduled_until is not null and scheduled_until > scheduled_for)`,
    )
    .execute();
  await db.schema.createIndex('status_incidents_started_idx').on('status_incidents').columns(['started_at', 'id']).execute();

  await db.schema
    .createTable('status_incident_components')
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('status_incidents.id').onDelete('cascade'))
    .addColumn('component_id', 'bigint', (c) => c.notNull().references('status_components.id').onDelete('restrict'))
    .addPrimaryKeyConstraint('status_incident_components_pk', ['incident_id', 'component_id'])
    .execute();

  await db.schema
    .createTable('status_incident_updates')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('status_incidents.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in (${list([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES])})`))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('notify', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('affected', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('actor_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in (${list(SOURCES)})`))
    .execute();
  await db.schema.createIndex('status_incident_updates_incident_idx').on('status_incident_updates').columns(['incident_id', 'created_at']).execute();

  await db.schema
    .createTable('status_api_tokens')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', 'jsonb', (c) => c.notNull())
    // Null: every component; otherwise the ids this token may report on.
    .addColumn('component_ids', 'jsonb')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'text')
    .addColumn('last_used_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('status_component_changes')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('component_id', 'bigint', (c) => c.notNull().references('status_components.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in (${list(COMPONENT_STATUSES)})`))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in (${list(SOURCES)})`))
    .addColumn('actor_id', 'text')
    .addColumn('token_id', 'bigint', (c) => c.references('status_api_tokens.id').onDelete('restrict'))
    .addColumn('incident_id', 'bigint', (c) => c.references('status_incidents.id').onDelete('set null'))
    .execute();
  await db.schema.createIndex('status_component_changes_at_idx').on('status_component_changes').columns(['component_id', 'at', 'id']).execute();

  // The registry's subscribers gain a second topic. Existing subscribers keep registry alerts only.
  await db.schema
    .alterTable('subprocessor_subscriptions')
    .addColumn('registry_alerts', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('status_alerts', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status_all_components', 'boolean', (c) => c.notNull().defaultTo(true))
    // A change asked for on the public form, applied only when its confirmation link is used.
    .addColumn('pending_change', 'jsonb')
    .execute();
  await db.schema
    .createTable('status_subscription_components')
    .addColumn('subscription_id', 'bigint', (c) => c.notNull().references('subprocessor_subscriptions.id').onDelete('cascade'))
    .addColumn('component_id', 'bigint', (c) => c.notNull().references('status_components.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('status_subscription_components_pk', ['subscription_id', 'component_id'])
    .execute();
  await db.schema
    .createTable('status_subscription_incidents')
    .addColumn('subscription_id', 'bigint', (c) => c.notNull().references('subprocessor_subscriptions.id').onDelete('cascade'))
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('status_incidents.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('status_subscription_incidents_pk', ['subscription_id', 'incident_id'])
    .execute();
  // Which status notice went to whom: a retried fan-out job never mails anyone twice.
  await db.schema
    .createTable('status_notifications')
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('subscription_id', 'bigint', (c) => c.notNull().references('subprocessor_subscriptions.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('status_notifications_pk', ['event_key', 'subscription_id'])
    .execute();
}

export async function down(db: Kysely<any>) {
  for (const table of [
    'status_notifications',
    'status_subscription_incidents',
    'status_subscription_components',
    'status_component_changes',
    'status_api_tokens',
    'status_incident_updates',
    'status_incident_components',
    'status_incidents',
    'status_components',
    'status_page',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema
    .alterTable('subprocessor_subscriptions')
    .dropColumn('registry_alerts')
    .dropColumn('status_alerts')
    .dropColumn('status_all_components')
    .dropColumn('pending_change')
    .execute();
}
