import { randomBytes } from 'node:crypto';
import type { DB } from '../../db/client';
import { storeInboxMessage } from '../../app/models/inbox/inbox.server';

let uid = 1_000_000;

/** One privacy-mailbox item stored as a poll would store it (for route registries that need an id). */
export async function seedInboxItem(db: DB, exportKey: string, body = 'Please delete my account.'): Promise<string> {
  uid += 1;
  const raw = `From: Seed Sender <seed@sender.test>\r\nSubject: Seeded message\r\nDate: Tue, 01 Dec 2026 09:30:00 +0000\r\nMessage-ID: <${randomBytes(6).toString('hex')}@sender.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;
  const id = await storeInboxMessage(db, { mailbox: 'SEED', uidvalidity: '1', uid, source: Buffer.from(raw) }, exportKey);
  if (!id) throw new Error('seed inbox item was not stored');
  return id;
}
