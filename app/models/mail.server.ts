import fs from 'node:fs/promises';
import path from 'node:path';
import type { Transaction } from 'kysely';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { retryIdempotent, type DB } from '../../db/client';
import type { Database, Job } from '../../db/schema';
import type { Config } from '~/utils/env.server';
import { enqueueJob } from '~/models/jobs.server';
import { recordAudit } from '~/models/audit.server';
import { openMailText, sealMailText } from '~/utils/outbox-crypto.server';

export const MAIL_DELIVER_JOB = 'mail.deliver';

export type OutgoingMail = {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post (RFC 8058). */
  headers?: Record<string, string>;
};

/**
 * Puts a message in the outbox and schedules its delivery. Pass the transaction that makes the
 * change the message reports: both commit together, or neither does, so no mail describes a
 * change that was rolled back and no change goes unannounced. Bodies and headers are sealed
 * (AES-256-GCM, app/utils/outbox-crypto.server.ts): the links they carry never reach the database in clear.
 */
export async function queueMail(db: DB | Transaction<Database>, mail: OutgoingMail): Promise<string> {
  const { id } = await db
    .insertInto('mail_outbox')
    .values({
      to_address: mail.to,
      subject: mail.subject,
      text_body: sealMailText(mail.text),
      html_body: sealMailText(mail.html),
      headers: JSON.stringify({ sealed: sealMailText(JSON.stringify(mail.headers ?? {})) }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await enqueueJob(db as DB, { kind: MAIL_DELIVER_JOB, payload: { outboxId: id }, dedupeKey: `mail:${id}`, maxAttempts: 12 });
  return id;
}

export type MailSender = {
  send: (message: SendMailOptions & { outboxId: string }) => Promise<void>;
  close: () => void;
};

/** SMTP when SMTP_URL is set; otherwise each message becomes an .eml file under DATA_DIR/mail. */
export function createMailSender(config: Config): MailSender {
  if (config.smtpUrl) {
    const transport: Transporter = nodemailer.createTransport(config.smtpUrl);
    return {
      send: async ({ outboxId: _outboxId, ...message }) => {
        await transport.sendMail(message);
      },
      close: () => transport.close(),
    };
  }
  const dir = mailDir(config);
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    send: async ({ outboxId, ...message }) => {
      const info = await transport.sendMail(message);
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${outboxId.padStart(8, '0')}.eml`;
      await fs.writeFile(path.join(dir, name), info.message as Buffer, { mode: 0o600 });
    },
    close: () => transport.close(),
  };
}

export function mailDir(config: Config) {
  return path.join(config.dataDir, 'mail');
}

/** The `mail.deliver` job: sends one outbox message; a failure is retried by the job queue. */
export function createMailDeliveryHandler(db: DB, config: Config, sender: MailSender) {
  const host = new URL(config.publicUrl).hostname;
  return async (payload: Record<string, unknown>, job: Job) => {
    const id = String(payload.outboxId);
    const mail = await db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    if (!mail || mail.status === 'sent') return;
    // A stable Message-ID lets receivers drop a duplicate if a retry follows a lost acknowledgement.
    const messageId = `<outbox-${mail.id}.${mail.created_at.getTime()}@${host}>`;
    try {
      const { text, html, headers } = openOutboxMail(mail);
      await sender.send({
        outboxId: mail.id,
        from: config.mailFrom,
        to: mail.to_address,
        subject: mail.subject,
        text,
        html,
        headers,
        messageId,
        date: mail.created_at,
      });
    } catch (error) {
      await db
        .updateTable('mail_outbox')
        .set({
          // The queue gives up after the job's last attempt; the outbox row says so for staff.
          status: job.attempts >= job.max_attempts ? 'failed' : 'queued',
          attempts: mail.attempts + 1,
          last_error: (error instanceof Error ? error.message : String(error)).slice(0, 1000),
        })
        .where('id', '=', id)
        .execute();
      throw error;
    }
    // Sent: recording it is idempotent and retried through a short outage, so a database blip
    // right after the SMTP server accepted the message does not send it a second time.
    await retryIdempotent(() =>
      db
        .updateTable('mail_outbox')
        // Bodies carry single-use links whose tokens are otherwise stored only as hashes: once
        // delivered, the outbox keeps the envelope, not the words.
        .set({
          status: 'sent',
          attempts: mail.attempts + 1,
          sent_at: new Date(),
          message_id: messageId,
          last_error: null,
          text_body: '',
          html_body: '',
        })
        .where('id', '=', id)
        .execute(),
    );
  };
}

/** The words of a queued message; only the delivery job (and tests) open the seal. */
export function openOutboxMail(mail: { text_body: string; html_body: string; headers: unknown }) {
  const stored = (mail.headers ?? {}) as Record<string, string>;
  const headers = typeof stored.sealed === 'string' ? (JSON.parse(openMailText(stored.sealed)) as Record<string, string>) : stored;
  return { text: openMailText(mail.text_body), html: openMailText(mail.html_body), headers };
}

export { renderMail, type MailContent } from '~/utils/mail-template';

export type MailboxMessage = {
  file: string;
  to: string;
  subject: string;
  date: string;
  text: string;
  headers: Record<string, string>;
};

/**
 * The mail files for an administrator of a production portal without SMTP_URL (/dev/mailbox):
 * they carry other people's links, so each look is audited.
 */
export async function listMailFilesForAdmin(db: DB, config: Config, actor: { id: string; ip: string | null }): Promise<MailboxMessage[]> {
  const messages = await listMailFiles(config);
  await recordAudit(db, { actorId: actor.id, action: 'mailbox.viewed', ip: actor.ip, details: { shown: messages.length } });
  return messages;
}

/** The newest .eml files written when no SMTP server is configured (for the developer mailbox). */
export async function listMailFiles(config: Config, limit = 50): Promise<MailboxMessage[]> {
  const { simpleParser } = await import('mailparser');
  const dir = mailDir(config);
  const files = (await fs.readdir(dir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .reverse()
    .slice(0, limit);
  return Promise.all(
    files.map(async (file) => {
      const parsed = await simpleParser(await fs.readFile(path.join(dir, file)));
      const to = Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : (parsed.to?.text ?? '');
      const headers: Record<string, string> = {};
      for (const line of parsed.headerLines) {
        if (/^list-/i.test(line.key)) headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
      }
      return {
        file,
        to,
        subject: parsed.subject ?? '(no subject)',
        date: (parsed.date ?? new Date(0)).toISOString(),
        text: parsed.text ?? '',
        headers,
      };
    }),
  );
}
