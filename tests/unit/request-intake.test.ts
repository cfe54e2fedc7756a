import { describe, expect, it } from 'vitest';
import { hasControlCharacters, REQUEST_TYPES, replySchema, validateIntake } from '../../app/models/requests/intake-rules';
import { redactText } from '../../app/utils/redact';
import { readForm } from '../../app/utils/form.server';

const valid = {
  type: 'access',
  email: 'ada@example.org',
  name: 'Ada Lovelace',
  accountIdentifier: '',
  details: '',
  requesterRole: 'self',
  confirm: 'yes',
  submissionId: '0b5f3c52-5a8e-4c36-9d67-1f5bb2f1b1a4',
};

describe('intake validation', () => {
  it('accepts a complete submission and trims only the email', () => {
    const result = validateIntake({ ...valid, email: '  ada@example.org ', name: ' Ada ' });
    expect(result).toMatchObject({ success: true, data: { email: 'ada@example.org', name: ' Ada ' } });
  });

  it('offers the six rights, each with one sentence', () => {
    expect(REQUEST_TYPES.map((t) => t.value)).toEqual(['access', 'rectification', 'erasure', 'restriction', 'portability', 'objection']);
    for (const t of REQUEST_TYPES) expect(t.description).toMatch(/^[A-Z][^.]*\.$/);
  });

  it.each([
    [{ type: 'deletion' }, 'type', 'Choose what you are asking for'],
    [{ type: undefined }, 'type', 'Choose what you are asking for'],
    [{ email: 'ada@' }, 'email', 'Enter an email address in the form name@example.com'],
    [{ email: `${'a'.repeat(250)}@example.org` }, 'email', 'Your email address must be at most 254 characters'],
    [{ name: '   ' }, 'name', 'Enter your name'],
    [{ name: 'A'.repeat(201) }, 'name', 'Your name must be at most 200 characters'],
    [{ name: 'Tab\there' }, 'name', 'Your name must not contain control characters'],
    [{ accountIdentifier: 'x\u0000' }, 'accountIdentifier', 'An account identifier must not contain control characters'],
    [{ details: 'x'.repeat(5001) }, 'details', 'Details must be at most 5000 characters'],
    [{ details: 'bell\u0007' }, 'details', 'Details must not contain control characters'],
    [{ details: 'bad \uFFFD byte' }, 'details', 'Details must not contain control characters'],
    [{ requesterRole: 'lawyer' }, 'requesterRole', 'Say whether you are asking for yourself or for someone else'],
    [{ confirm: '' }, 'confirm', 'Confirm that you are the data subject or authorised to act for them'],
    [{ submissionId: 'abc' }, 'submissionId', 'The form has expired; please reload the page and send it again'],
    [{ type: 'rectification', details: ' ' }, 'details', 'Say which data is wrong and what it should be'],
    [{ type: 'objection' }, 'details', 'Say which processing you object to and why'],
  ])('refuses %o with a message on %s', (override, field, message) => {
    const result = validateIntake({ ...valid, ...override });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.errors[field]).toBe(message);
  });

  it('reports the details rule together with every other error', () => {
    const result = validateIntake({ ...valid, type: 'rectification', email: 'x', confirm: '' });
    expect(result.success).toBe(false);
    if (!result.success) expect(Object.keys(result.errors).sort()).toEqual(['confirm', 'details', 'email']);
  });

  it('keeps line breaks and tabs in details, verbatim', () => {
    const details = 'Line one\r\n\tLine two <b>not markup</b>';
    expect(validateIntake({ ...valid, details })).toMatchObject({ success: true, data: { details } });
    expect(hasControlCharacters(details, true)).toBe(false);
    expect(hasControlCharacters(details, false)).toBe(true);
  });

  it('validates a reply', () => {
    expect(replySchema.safeParse({ message: 'Here you go' }).success).toBe(true);
    expect(replySchema.safeParse({ message: ' ' }).error?.issues[0]?.message).toBe('Write a reply');
    expect(replySchema.safeParse({ message: '\u001b[31m' }).error?.issues[0]?.message).toBe('The reply must not contain control characters');
  });
});

const form = (body: BodyInit, headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' }) =>
  readForm(new Request('http://portal.test/requests/new', { method: 'POST', body, headers }));

describe('strict form reading', () => {
  it('decodes percent-escapes and plus signs, keeping the first of repeated fields', async () => {
    expect(await form('name=J%C3%BCrgen+M%C3%BCller&name=second&empty=&flag')).toEqual({
      ok: true,
      fields: { name: 'Jürgen Müller', empty: '', flag: '' },
    });
  });

  it('refuses percent-escapes that are not UTF-8, and raw bytes that are not', async () => {
    expect(await form('name=%FF')).toMatchObject({ ok: false, status: 400, formError: expect.stringContaining('UTF-8') });
    expect(await form('name=%C3')).toMatchObject({ ok: false, status: 400 });
    expect(await form(new Uint8Array([0x6e, 0x3d, 0xc3, 0x28]))).toMatchObject({ ok: false, status: 400 });
  });

  it('refuses a body over the limit and other encodings', async () => {
    expect(await form(`a=${'x'.repeat(1_048_577)}`)).toMatchObject({ ok: false, status: 413 });
    expect(await form('{"a":1}', { 'Content-Type': 'application/json' })).toMatchObject({ ok: false, status: 415 });
  });
});

describe('private links in logs', () => {
  it('redacts the tokens of verification, status, reply and attachment links', () => {
    const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE';
    for (const url of [`/verify/${token}`, `/status/s/${token}`, `/status/s/${token}/reply`, `/status/s/${token}/attachments/1`]) {
      expect(redactText(`GET ${url}`)).not.toContain(token);
    }
  });
});
