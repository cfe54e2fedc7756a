import fs from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { openOutboxMail } from '../../app/models/mail.server';

/**
 * The delivered message to `to` whose subject contains `subjectPart`, read from the .eml files
 * a server without SMTP_URL writes under DATA_DIR/mail; waits for the job worker to deliver it.
 */
export async function waitForMail(dataDir: string, to: string, subjectPart: string, timeoutMs = 30_000): Promise<ParsedMail> {
  const dir = path.join(dataDir, 'mail');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
    for (const file of files.sort().reverse()) {
      const parsed = await simpleParser(fs.readFileSync(path.join(dir, file)));
      const recipient = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
      if (recipient?.toLowerCase() === to.toLowerCase() && parsed.subject?.includes(subjectPart)) return parsed;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} about "${subjectPart}"`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The first link in a message's text whose path starts with `pathPrefix`, as a path. */
export function linkIn(mail: ParsedMail, pathPrefix: string): string {
  const match = new RegExp(`https?://[^\\s/]+(${pathPrefix.replace(/\//g, '\\/')}[^\\s]*)`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${pathPrefix} link in "${mail.subject}"`);
  return match[1]!;
}

/**
 * The text of one outbox row, wherever it is now. A queued row is opened from its seal; the
 * portal's worker clears the body once it has delivered the message, and then the text is read
 * from the .eml file it wrote, named after the row's id.
 */
export async function outboxText(dataDir: string, row: { id: string; text_body: string; html_body: string; headers: unknown }): Promise<string> {
  if (row.text_body) return openOutboxMail(row).text;
  const dir = path.join(dataDir, 'mail');
  const suffix = `-${row.id.padStart(8, '0')}.eml`;
  const file = (fs.existsSync(dir) ? fs.readdirSync(dir) : []).find((f) => f.endsWith(suffix));
  if (!file) throw new Error(`outbox row ${row.id} has no body and no delivered file`);
  return (await simpleParser(fs.readFileSync(path.join(dir, file)))).text ?? '';
}
