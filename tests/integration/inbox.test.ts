import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';
import { dovecotMissing, startDovecot, type TestDovecot } from '../support/dovecot';
import { fileRequest, SAMPLE_FILES } from '../support/requests';
import { createUser, type TestUser } from '../support/users';
import {
  attachInboxItemToRequest,
  dismissInboxItem,
  InboxConflictError,
  listInboxItems,
  pollInbox,
  requestPrefillUrl,
  takeInboxItemForRequest,
  viewInboxItem,
} from '../../app/models/inbox/inbox.server';
import { INBOX_POLL_JOB, scheduleInboxPoll } from '../../app/models/job-handlers.server';
import { decryptAttachment } from '../../app/models/requests/attachments.server';
import { retentionPolicy, runRetention } from '../../app/models/retention.server';

/**
 * The privacy mailbox against a real Dovecot (started here, messages delivered by IMAP APPEND)
 * on a real database (PGlite; PostgreSQL when DATABASE_URL is set). Log lines prefixed
 * "[inbox]" say what was polled and taken, for the closing note.
 */
const missing = dovecotMissing();
if (missing) console.warn(missing);

const log = (msg: string, obj: unknown = '') => console.log(`[inbox] ${msg}`, typeof obj === 'string' ? obj : JSON.stringify(obj));

function message(opts: { from: string; subject: string; date: string; body: string; html?: boolean; pdf?: boolean }) {
  const boundary = `b${randomBytes(6).toString('hex')}`;
  const head = `From: ${opts.from}\r\nTo: privacy@portal.test\r\nSubject: ${opts.subject}\r\nDate: ${opts.date}\r\nMessage-ID: <${randomBytes(6).toString('hex')}@sender.test>\r\nMIME-Version: 1.0\r\n`;
  if (!opts.pdf) return `${head}Content-Type: ${opts.html ? 'text/html' : 'text/plain'}; charset=utf-8\r\n\r\n${opts.body}\r\n`;
  return (
    `${head}Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n` +
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${opts.body}\r\n` +
    `--${boundary}\r\nContent-Type: application/pdf; name="id.pdf"\r\nContent-Disposition: attachment; filename="id.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${SAMPLE_FILES.pdf.toString('base64')}\r\n` +
    `--${boundary}--\r\n`
  );
}

describe.skipIf(Boolean(missing))('privacy mailbox (real Dovecot)', () => {
  let t: TestDb;
  let dovecot: TestDovecot;
  let staff: TestUser;
  let remote: http.Server;
  let remoteHits = 0;
  let remoteUrl = '';
  const exportKey = randomBytes(32).toString('base64url');
  const settings = () => ({ url: dovecot.url, password: dovecot.password, exportKey });
  const raws: string[] = [];

  beforeAll(async () => {
    t = await createTestDb();
    dovecot = await startDovecot();
    staff = await createUser(t.db, { role: 'staff' });
    remote = http.createServer((_req, res) => {
      remoteHits += 1;
      res.end('x');
    });
    await new Promise<void>((r) => remote.listen(0, '127.0.0.1', () => r()));
    remoteUrl = `http://127.0.0.1:${(remote.address() as { port: number }).port}`;
    log('database', t.backend);
    log('dovecot listening', { port: dovecot.port });
  });

  afterAll(async () => {
    await dovecot?.stop();
    if (remote) await new Promise((r) => remote.close(r));
    await t?.destroy();
  });

  it('takes each message once with two pollers at once and a restart between polls; only \\Seen changes', async () => {
    raws.push(message({ from: 'Ada Lovelace <ada@sender.test>', subject: 'Please send me my data', date: 'Tue, 01 Dec 2026 09:30:00 +0000', body: 'Under Art. 15 I ask for a copy of my data.' }));
    raws.push(
      message({
        from: 'Grace <grace@sender.test>',
        subject: 'HTML mail',
        date: 'Wed, 02 Dec 2026 10:00:00 +0100',
        html: true,
        body: `<html><head><style>p{color:red}</style><script>alert('owned')</script></head><body><p>Delete <b>everything</b> about me.</p><img src="${remoteUrl}/pixel.gif"><a href="${remoteUrl}/track">my account</a><iframe src="${remoteUrl}/frame"></iframe></body></html>`,
      }),
    );
    raws.push(message({ from: 'Alan <alan@sender.test>', subject: 'My ID attached', date: 'Thu, 03 Dec 2026 11:00:00 +0000', body: 'See the attached file.', pdf: true }));
    for (const raw of raws) await dovecot.append(raw);

    // Two portal instances poll the same mailbox into the same database at the same moment.
    const [a, b] = await Promise.all([pollInbox(t.db, settings()), pollInbox(t.db, settings())]);
    log('poller A', a);
    log('poller B', b);
    expect(a.taken + b.taken).toBe(3);
    expect(await listInboxItems(t.db, { state: 'all' })).toHaveLength(3);

    // A restart: a new poller finds nothing new; a fourth message is taken once.
    const again = await pollInbox(t.db, settings());
    log('after restart, nothing new', again);
    expect(again).toMatchObject({ seen: 0, taken: 0 });
    raws.push(message({ from: 'late@sender.test', subject: 'One more', date: 'Fri, 04 Dec 2026 08:00:00 +0000', body: 'Object to marketing.' }));
    await dovecot.append(raws[3]!);
    const [c, d] = await Promise.all([pollInbox(t.db, settings()), pollInbox(t.db, settings())]);
    log('fourth message, two pollers', { c, d });
    expect(c.taken + d.taken).toBe(1);
    const items = await listInboxItems(t.db, { state: 'all' });
    expect(items).toHaveLength(4);
    const rows = await t.db.selectFrom('inbox_items').select(['uid', 'uidvalidity']).orderBy('uid').execute();
    log('taken once', rows.map((r) => `${r.uidvalidity}/${r.uid}`));
    expect(new Set(rows.map((r) => String(r.uid))).size).toBe(4);

    // The mailbox: all four messages still there, each only gained \Seen.
    const flags = await dovecot.flags();
    expect([...flags.keys()]).toEqual([1, 2, 3, 4]);
    for (const f of flags.values()) expect(f.filter((x) => x !== '\\Recent')).toEqual(['\\Seen']);
    log('mailbox flags after polls', Object.fromEntries(flags));
  });

  it('shows HTML as text: no script, no markup, and nothing fetched from the remote host', async () => {
    const item = await t.db.selectFrom('inbox_items').select(['id', 'body_text']).where('subject', '=', 'HTML mail').executeTakeFirstOrThrow();
    const view = await viewInboxItem(t.db, item.id, { id: staff.id });
    expect(view?.body_text).toContain('Delete EVERYTHING about me.'.replace('EVERYTHING', 'everything'));
    expect(view?.body_text).toContain('my account');
    expect(view?.body_text).not.toMatch(/<|alert|owned|color:red/);
    expect(view?.body_text).not.toContain(remoteUrl);
    expect(view?.from_address).toBe('grace@sender.test');
    expect(view?.sent_at?.toISOString()).toBe('2026-12-02T09:00:00.000Z');
    // Give any stray fetch a moment to arrive.
    await new Promise((r) => setTimeout(r, 200));
    expect(remoteHits).toBe(0);
    log('html item as text', { text: view?.body_text, remoteHits });
    const pdf = await t.db.selectFrom('inbox_attachments').innerJoin('inbox_items', 'inbox_items.id', 'inbox_attachments.item_id').select(['filename', 'content_type', 'size', 'ciphertext']).execute();
    expect(pdf).toHaveLength(1);
    expect(pdf[0]!).toMatchObject({ filename: 'id.pdf', content_type: 'application/pdf', size: SAMPLE_FILES.pdf.length });
    expect(Buffer.from(pdf[0]!.ciphertext).includes(SAMPLE_FILES.pdf.subarray(0, 8))).toBe(false);
    const raw = await t.db.selectFrom('inbox_items').select('eml_ciphertext').execute();
    for (const r of raw) expect(Buffer.from(r.eml_ciphertext).toString('latin1')).not.toContain('From:');
  });

  it('turn into a request: the prefill link, then the .eml attaches to the request made with the intake', async () => {
    const item = await t.db.selectFrom('inbox_items').selectAll().where('subject', '=', 'Please send me my data').executeTakeFirstOrThrow();
    const link = new URL(requestPrefillUrl(item), 'http://portal.test');
    expect(link.pathname).toBe('/staff/requests/new');
    expect(Object.fromEntries(link.searchParams)).toEqual({ channel: 'email', received_at: '2026-12-01T09:30:00.000Z', email: 'ada@sender.test', name: 'Ada Lovelace', inbox: item.id });
    const { request } = await fileRequest(t.db, { email: 'ada@sender.test', name: 'Ada Lovelace' });
    await t.db.transaction().execute((trx) => takeInboxItemForRequest(trx, item.id, request.id, { id: staff.id }, { exportKey }));
    const atts = await t.db.selectFrom('request_attachments').selectAll().where('request_id', '=', request.id).execute();
    expect(atts).toHaveLength(1);
    const att = atts as [(typeof atts)[number]];
    expect(att[0]).toMatchObject({ filename: 'message.eml', content_type: 'message/rfc822' });
    expect(decryptAttachment(att[0], exportKey, request.id).toString()).toBe(raws[0]);
    const event = await t.db.selectFrom('request_events').select(['kind', 'actor', 'note']).where('id', '=', att[0].event_id!).executeTakeFirstOrThrow();
    expect(event).toMatchObject({ kind: 'inbox_email', actor: 'staff' });
    expect((await t.db.selectFrom('inbox_items').select(['state', 'request_id']).where('id', '=', item.id).executeTakeFirstOrThrow())).toEqual({ state: 'converted', request_id: request.id });
    // Taken once: a second conversion is refused and changes nothing.
    await expect(t.db.transaction().execute((trx) => takeInboxItemForRequest(trx, item.id, request.id, { id: staff.id }, { exportKey }))).rejects.toBeInstanceOf(InboxConflictError);
    expect(await t.db.selectFrom('request_attachments').select('id').where('request_id', '=', request.id).execute()).toHaveLength(1);
    log('converted', { item: item.id, request: request.reference, emlBytes: att[0].size });
  });

  it("attach to an existing request as the subject's reply: on its timeline, with the .eml", async () => {
    const item = await t.db.selectFrom('inbox_items').selectAll().where('subject', '=', 'My ID attached').executeTakeFirstOrThrow();
    const { request } = await fileRequest(t.db, { email: 'alan@sender.test' });
    await expect(attachInboxItemToRequest(t.db, item.id, 'NO-SUCH-REF', { id: staff.id }, { exportKey })).rejects.toThrow(/reference/);
    const requestId = await attachInboxItemToRequest(t.db, item.id, request.reference, { id: staff.id }, { exportKey });
    expect(requestId).toBe(request.id);
    const found = await t.db.selectFrom('request_events').select(['id', 'kind', 'actor', 'note']).where('request_id', '=', request.id).where('kind', '=', 'reply').execute();
    expect(found).toHaveLength(1);
    const events = found as [(typeof found)[number]];
    expect(events[0]).toMatchObject({ actor: 'subject' });
    expect(events[0].note).toContain('See the attached file.');
    const att = await t.db.selectFrom('request_attachments').select(['content_type', 'event_id']).where('request_id', '=', request.id).execute();
    expect(att).toEqual([{ content_type: 'message/rfc822', event_id: events[0].id }]);
  });

  it('"not a request" needs a reason; every action is audited', async () => {
    const item = await t.db.selectFrom('inbox_items').select('id').where('subject', '=', 'HTML mail').executeTakeFirstOrThrow();
    await expect(dismissInboxItem(t.db, item.id, '   ', { id: staff.id })).rejects.toBeInstanceOf(InboxConflictError);
    await dismissInboxItem(t.db, item.id, 'Newsletter, not a rights request', { id: staff.id });
    expect(await t.db.selectFrom('inbox_items').select(['state', 'state_reason']).where('id', '=', item.id).executeTakeFirstOrThrow()).toEqual({ state: 'dismissed', state_reason: 'Newsletter, not a rights request' });
    await expect(dismissInboxItem(t.db, item.id, 'again', { id: staff.id })).rejects.toBeInstanceOf(InboxConflictError);
    expect(await listInboxItems(t.db)).toHaveLength(1);
    const actions = (await t.db.selectFrom('audit_events').select('action').where('target_type', '=', 'inbox_item').execute()).map((r) => r.action).sort();
    expect(actions.filter((a) => a === 'inbox.received')).toHaveLength(4);
    for (const a of ['inbox.viewed', 'inbox.converted', 'inbox.attached', 'inbox.dismissed']) expect(actions).toContain(a);
  });

  it('the poll job is queued once per period across instances', async () => {
    const at = new Date('2026-12-04T10:00:05Z');
    const config = { inbox: { imapUrl: dovecot.url, password: '', pollSeconds: 60 } };
    await Promise.all([scheduleInboxPoll(t.db, config, at), scheduleInboxPoll(t.db, config, at), scheduleInboxPoll(t.db, config, new Date('2026-12-04T10:00:40Z'))]);
    expect(await t.db.selectFrom('jobs').select('id').where('kind', '=', INBOX_POLL_JOB).execute()).toHaveLength(1);
    await scheduleInboxPoll(t.db, { inbox: { imapUrl: undefined, password: '', pollSeconds: 60 } }, new Date('2026-12-04T10:05:00Z'));
    expect(await t.db.selectFrom('jobs').select('id').where('kind', '=', INBOX_POLL_JOB).execute()).toHaveLength(1);
  });

  it('retention purges items past their period; a request keeps its own .eml', async () => {
    const now = new Date();
    const early = await runRetention(t.db, retentionPolicy({ inboxDays: 90 }), new Date(now.getTime() + 89 * 86_400_000));
    expect(early.oldInboxItems).toBe(0);
    const counts = await runRetention(t.db, retentionPolicy({ inboxDays: 90 }), new Date(now.getTime() + 91 * 86_400_000));
    expect(counts.oldInboxItems).toBe(4);
    expect(await t.db.selectFrom('inbox_items').select('id').execute()).toEqual([]);
    expect(await t.db.selectFrom('inbox_attachments').select('id').execute()).toEqual([]);
    expect(await t.db.selectFrom('request_attachments').select('id').where('content_type', '=', 'message/rfc822').execute()).toHaveLength(2);
    log('retention', { oldInboxItems: counts.oldInboxItems });
  });
});
