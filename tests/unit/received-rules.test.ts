import { describe, expect, it } from 'vitest';
import { checkOriginal, looksLikeEmail } from '../../app/models/requests/attachments.server';
import { checkReceivedInput, parseReceipt, receiptNeedsReason } from '../../app/models/requests/received.server';

/** The pure rules of a request logged by staff (issue 21): the receipt, the input, the original's type. */
const now = new Date('2026-03-10T12:00:00Z');
const DAY = 86_400_000;

describe('the receipt', () => {
  it('needs a reason more than 3 days back or in the future, and not within', () => {
    expect(receiptNeedsReason(new Date(now.getTime() - 3 * DAY), now)).toBe(false);
    expect(receiptNeedsReason(new Date(now.getTime() - 3 * DAY - 60_000), now)).toBe(true);
    expect(receiptNeedsReason(new Date(now.getTime() + 60_000), now)).toBe(true);
    expect(receiptNeedsReason(now, now)).toBe(false);
  });

  it('reads a datetime-local value in the portal zone, or an ISO instant, and nothing else', () => {
    expect(parseReceipt('2026-03-02T10:30', 'Europe/Berlin')?.toISOString()).toBe('2026-03-02T09:30:00.000Z');
    expect(parseReceipt('2026-03-02T09:30:00Z', 'Europe/Berlin')?.toISOString()).toBe('2026-03-02T09:30:00.000Z');
    expect(parseReceipt('2026-03-29T02:30', 'Europe/Berlin')).toBeNull(); // skipped by the clock change
    expect(parseReceipt('yesterday', 'Europe/Berlin')).toBeNull();
  });

  it('refuses an odd receipt without a reason, and a request with no way to reach the subject', () => {
    const base = { channel: 'letter' as const, receivedAt: new Date(now.getTime() - 10 * DAY), types: ['access' as const], name: 'A', lang: 'en' as const, note: 'x' };
    expect(checkReceivedInput({ ...base, postalAddress: '1 Road' }, now)).toHaveProperty('receiptReason');
    expect(checkReceivedInput({ ...base, postalAddress: '1 Road', receiptReason: 'Post room.' }, now)).toEqual({});
    expect(checkReceivedInput({ ...base, receiptReason: 'Post room.' }, now)).toHaveProperty('email');
    expect(checkReceivedInput({ ...base, email: 'not-an-address', receiptReason: 'r' }, now)).toHaveProperty('email');
  });
});

describe('the original as received', () => {
  const eml = Buffer.from('Received: from mx\r\nFrom: a@example.org\r\nSubject: Auskunft\r\n  folded\r\nDate: Mon, 2 Mar 2026 09:00:00 +0100\r\n\r\nBody');

  it('takes a text with mail headers for an .eml, and plain text for nothing', async () => {
    expect(looksLikeEmail(eml)).toBe(true);
    expect(looksLikeEmail(Buffer.from('Dear team,\n\nplease erase my data.'))).toBe(false);
    expect(looksLikeEmail(Buffer.from('Note: call me\nTo: nobody\n\nbody'))).toBe(false); // one usual header is not enough
    await expect(checkOriginal('request.eml', eml)).resolves.toBe('message/rfc822');
    await expect(checkOriginal('notes.txt', Buffer.from('just words'))).rejects.toThrow(/is not an email/);
  });

  it('knows an Outlook .msg by its compound-file bytes and a PDF by its own', async () => {
    const cfb = Buffer.alloc(4096);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(cfb);
    const detected = await checkOriginal('mail.msg', cfb).catch((e: Error) => e.message);
    // file-type names an OLE compound file `application/x-cfb`; a .msg is one.
    expect(detected).toBe('application/vnd.ms-outlook');
    await expect(checkOriginal('scan.pdf', Buffer.from('%PDF-1.4\n%%EOF\n'))).resolves.toBe('application/pdf');
  });
});
