import { sql } from 'kysely';
import { createDb, migrateToLatest } from '../db/client';
import { seedBenchRequests } from './bench-reports';
import { rebuildReportCells, readSums } from '../app/models/reports/cells.server';
import { computeReport } from '../app/models/reports/report.server';
import { parsePeriod } from '../app/models/reports/period';
const { db } = createDb({ databaseUrl: process.env.U!, poolSize: 8 });
if (process.env.SEED) {
  await migrateToLatest(db);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await db.insertInto('users').values({ email: `s${i}@x.org`, password_hash: 'x', role: 'staff' }).returning('id').executeTakeFirstOrThrow()).id);
  let t = performance.now();
  await seedBenchRequests(db, 1, Number(process.env.SEED), ids);
  console.log('seed', performance.now() - t); t = performance.now();
  console.log(await rebuildReportCells(db, 'Europe/London', { force: true }), 'cells', performance.now() - t);
  await sql`vacuum analyze`.execute(db);
}
const tz = 'Europe/London';
const now = new Date('2026-01-15T12:00:00Z');
const q = { period: parsePeriod('2025') };
const time = async (name: string, fn: () => Promise<unknown>) => { await fn(); const ts=[]; for (let i=0;i<5;i++){const t=performance.now(); await fn(); ts.push(performance.now()-t);} ts.sort((a,b)=>a-b); console.log(name.padEnd(20), ts[2]!.toFixed(1)); };
await time('report', () => computeReport(db, q, { timeZone: tz, now }));
await time('report', () => computeReport(db, q, { timeZone: tz, now }));
await time('totals', () => readSums(db, { timeZone: tz }, { from: '2025-01-01', to: '2025-12-31' }));
await time('week', () => readSums(db, { timeZone: tz }, { from: '2025-01-01', to: '2025-12-31', by: 'week', measures: ['received'] }));
await time('month', () => readSums(db, { timeZone: tz }, { from: '2025-01-01', to: '2025-12-31', by: 'month', measures: ['completed_on_time','completed_late','refused_on_time','refused_late'] }));
await time('backlog', () => readSums(db, { timeZone: tz }, { from: '2025-01-01', to: '2025-12-31', by: 'week', measures: ['verified','completed_on_time','completed_late','refused_on_time','refused_late','withdrawn'] }));
if (process.env.Q) { const { rows } = await sql.raw(process.env.Q).execute(db); console.log(rows.map((r: any) => r['QUERY PLAN'] ?? JSON.stringify(r)).join('\n')); }
await db.destroy();
