import { sql, type Kysely } from 'kysely';

const list = (values: string[]) => sql.join(values.map((v) => sql.lit(v)));
// Kept here as they were when this migration was written (migrations are history): the live
// lists are app/models/requests/channels.ts and refusal-grounds.ts.
const CHANNELS = ['web', 'email', 'letter', 'phone', 'in_person', 'other'];
/** The measures the report reads by week (app/models/reports/figures.ts WEEKLY_MEASURES). */
const WEEKLY_MEASURES = sql.raw(
  ['received', 'verified', 'completed_on_time', 'completed_late', 'refused_on_time', 'refused_late', 'withdrawn'].map((m) => `'${m}'`).join(', '),
);
const REFUSAL_GROUNDS = [
  'unfounded_or_excessive',
  'identity_not_established',
  'duplicate',
  'rights_of_others',
  'erasure_exemption',
  'legal_restriction',
  'other',
];

/**
 * Reports (docs/decisions/035-report-cells.md).
 *
 * - `requests.channel`: how a request reached the organisation. Every request so far came
 *   through the web form; staff logging requests from other channels sets the others.
 * - `requests.refusal_ground`: why a refusal was made, as one of a fixed list (the reason the
 *   subject reads stays free text on the timeline). Refusals made before this have none.
 * - `report_cells`: the report's figures kept as counts per local day, ISO week and month,
 *   measure, type and value, in three breakdowns: by channel (assignee `*`), by assignee
 *   (channel `*`; `none` for nobody) and by type alone (both `*`, the unfiltered report, six
 *   times fewer rows to read than by channel). A trigger on `requests` keeps them in the
 *   transaction that changes the request: `report_tuples` says what one request contributes,
 *   the trigger subtracts the old row's contribution and adds the new one's, so the table is
 *   always the GROUP BY of `report_tuples` over every request (rebuildReportCells recomputes
 *   it that way when the time zone changes).
 * - `report_settings.time_zone`: the PORTAL_TIMEZONE the cells were counted in; null until
 *   the first build.
 */
export async function up(db: Kysely<any>) {
  await db.schema
    .alterTable('requests')
    .addColumn('channel', 'text', (c) => c.notNull().defaultTo('web').check(sql`channel in (${list(CHANNELS)})`))
    .addColumn('refusal_ground', 'text', (c) => c.check(sql`refusal_ground in (${list(REFUSAL_GROUNDS)})`))
    .execute();
  // The work open now, per assignee (the report's "open now" and "load by assignee"), read from
  // this small index alone: only the requests still being answered are in it.
  await sql`
    create index requests_open_work_idx on requests (assigned_to, state, due_date) include (type, channel)
    where state in ('open', 'in_progress', 'awaiting_subject')`.execute(db);
  // A report filtered by assignee and channel at once sums that person's requests.
  await db.schema.createIndex('requests_assignee_created_idx').on('requests').columns(['assigned_to', 'created_at']).execute();

  await db.schema
    .createTable('report_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('time_zone', 'text')
    .addColumn('built_at', 'timestamptz')
    .execute();
  await db.insertInto('report_settings').values({ id: 1 }).execute();

  await db.schema
    .createTable('report_cells')
    .addColumn('grain', 'text', (c) => c.notNull().check(sql`grain in ('day', 'week', 'month')`))
    .addColumn('period_start', 'date', (c) => c.notNull())
    .addColumn('measure', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('assignee', 'text', (c) => c.notNull())
    .addColumn('value', 'integer', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addCheckConstraint('report_cells_one_breakdown', sql`channel = '*' or assignee = '*'`)
    .execute();
  // The key in the order a report reads it (one breakdown, then each measure's run of
  // periods), with the count beside it: a report's sums are index range scans.
  await sql`
    alter table report_cells add constraint report_cells_pkey
    primary key (grain, assignee, channel, measure, period_start, type, value) include (n)`.execute(db);

  // What one request contributes: one row per event that happened to it, on the local date it
  // happened in `tz`. Days to close count local calendar dates from receipt (verification) to
  // the answer; `pct` is the share of the time allowed that was used, rounded up, so 100 or less
  // is exactly "answered on or before the due date" (the due date holds the month rule, the
  // weekend shift, pauses and the extension: app/models/requests/deadlines.ts).
  await sql`
    create function report_tuples(
      state text, outcome text, refusal_ground text, created_at timestamptz, received_at timestamptz,
      closed_at timestamptz, extended_at timestamptz, due_date text, tz text)
    returns table (measure text, day date, value integer)
    language sql stable as $$
      select t.measure, t.day, t.value
      from (select (created_at at time zone tz)::date as created_on,
                   (received_at at time zone tz)::date as received_on,
                   (closed_at at time zone tz)::date as closed_on,
                   (extended_at at time zone tz)::date as extended_on,
                   due_date::date as due_on,
                   state in ('completed', 'denied') as answered
            offset 0) d
      cross join lateral unnest(
        array['received', 'verified', 'extended', 'expired', 'withdrawn',
              case when state = 'completed' then 'completed' else 'refused' end
                || case when d.closed_on > d.due_on then '_late' else '_on_time' end,
              'refused_for:' || coalesce(refusal_ground, 'not_recorded'),
              'objection_rejected', 'days', 'pct'],
        array[d.created_on,
              d.received_on,
              d.extended_on,
              case when state = 'expired' then d.closed_on end,
              case when state = 'withdrawn' then d.closed_on end,
              case when d.answered then d.closed_on end,
              case when state = 'denied' then d.closed_on end,
              case when state = 'completed' and outcome = 'objection_rejected' then d.closed_on end,
              case when d.answered and d.received_on is not null then d.closed_on end,
              case when d.answered and d.due_on > d.received_on then d.closed_on end],
        array[0, 0, 0, 0, 0, 0, 0, 0,
              d.closed_on - d.received_on,
              ceil(100.0 * (d.closed_on - d.received_on) / nullif(d.due_on - d.received_on, 0))::integer]
      ) as t(measure, day, value)
      where t.day is not null
    $$`.execute(db);

  await sql`
    create function report_cells_follow() returns trigger language plpgsql as $$
    declare
      tz text;
    begin
      select time_zone into tz from report_settings where id = 1;
      if tz is null then
        return null; -- never built: the first report builds the whole table
      end if;
      insert into report_cells as c (grain, period_start, measure, type, channel, assignee, value, n)
      select g.grain,
             case g.grain when 'day' then x.day
                          when 'week' then date_trunc('week', x.day::timestamp)::date
                          else date_trunc('month', x.day::timestamp)::date end,
             x.measure, x.type, b.channel, b.assignee, x.value, sum(x.n)
      from (
        select o.measure, o.day, o.value, old.type, old.channel, coalesce(old.assigned_to::text, 'none') as assignee, -1 as n
        from report_tuples(old.state, old.outcome, old.refusal_ground, old.created_at, old.received_at,
                           old.closed_at, old.extended_at, old.due_date, tz) o
        where tg_op <> 'INSERT'
        union all
        select w.measure, w.day, w.value, new.type, new.channel, coalesce(new.assigned_to::text, 'none'), 1
        from report_tuples(new.state, new.outcome, new.refusal_ground, new.created_at, new.received_at,
                           new.closed_at, new.extended_at, new.due_date, tz) w
        where tg_op <> 'DELETE'
      ) x
      cross join lateral (values (x.channel, '*'), ('*', x.assignee), ('*', '*')) as b(channel, assignee)
      cross join (values ('day'), ('week'), ('month')) as g(grain)
      -- Weeks are read only for the weekly volume and the backlog.
      where g.grain <> 'week' or x.measure in (${WEEKLY_MEASURES})
      group by 1, 2, 3, 4, 5, 6, 7
      having sum(x.n) <> 0
      -- One order for every writer, so two transactions never wait on each other's cells crosswise.
      order by 1, 2, 3, 4, 5, 6, 7
      on conflict (grain, period_start, measure, type, channel, assignee, value) do update set n = c.n + excluded.n;
      return null;
    end
    $$`.execute(db);

  // Deferred to commit: the shared counter rows are locked for the moment of committing, not
  // for the whole transaction (intake queues mail and more after inserting the request).
  await sql`
    create constraint trigger requests_report_cells_insert_delete after insert or delete on requests
    deferrable initially deferred for each row execute function report_cells_follow()`.execute(db);
  await sql`
    create constraint trigger requests_report_cells_update after update on requests
    deferrable initially deferred for each row
    when (old.state is distinct from new.state
       or old.type is distinct from new.type
       or old.channel is distinct from new.channel
       or old.created_at is distinct from new.created_at
       or old.received_at is distinct from new.received_at
       or old.closed_at is distinct from new.closed_at
       or old.extended_at is distinct from new.extended_at
       or old.due_date is distinct from new.due_date
       or old.outcome is distinct from new.outcome
       or old.refusal_ground is distinct from new.refusal_ground
       or old.assigned_to is distinct from new.assigned_to)
    execute function report_cells_follow()`.execute(db);
}

export async function down(db: Kysely<any>) {
  await sql`drop trigger if exists requests_report_cells_update on requests`.execute(db);
  await sql`drop trigger if exists requests_report_cells_insert_delete on requests`.execute(db);
  await sql`drop function if exists report_cells_follow()`.execute(db);
  await sql`drop function if exists report_tuples(text, text, text, timestamptz, timestamptz, timestamptz, timestamptz, text, text)`.execute(db);
  await db.schema.dropTable('report_cells').execute();
  await db.schema.dropTable('report_settings').execute();
  await db.schema.dropIndex('requests_assignee_created_idx').execute();
  await db.schema.dropIndex('requests_open_work_idx').execute();
  await db.schema.alterTable('requests').dropColumn('refusal_ground').dropColumn('channel').execute();
}
