import { describe, expect, it } from 'vitest';
import { hasControlCharacters, REQUEST_TYPE_VALUES, replySchema, validateIntake } from '../../app/models/requests/intake-rules.server';
import { tFor, translateError } from '../../app/utils/i18n';

const english = (message: string | undefined) => translateError(tFor('en'), message);
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
    expect([...REQUEST_TYPE_VALUES]).toEqual(['access', 'rectification', 'erasure', 'restriction', 'portability', 'objection']);
    for (const type of REQUEST_TYPE_VALUES) expect(tFor('en')(`requestTypes.${type}.description`)).toMatch(/^[A-Z][^.]*\.$/);
  });

  it.each([
    [{ type: 'deletion' }, 'type', 'Choose what you are asking for'],
    [{ type: undefined }, 'type', 'Choose what you are asking for'],
    [{ email: 'ada@' }, 'email', 'Enter an email address in the form name@example.com'],
    [{ email: `${'a'.repeat(250)}@example.org` }, 'email', 'This answer must be at most 254 characters'],
    [{ name: '   ' }, 'name', 'Enter your name'],
    [{ name: 'A'.repeat(201) }, 'name', 'This answer must be at most 200 characters'],
    [{ name: 'Tab\there' }, 'name', 'Remove control characters from this answer'],
    [{ accountIdentifier: 'x\u0000' }, 'accountIdentifier', 'Remove control characters from this answer'],
    [{ details: 'x'.repeat(5001) }, 'details', 'This answer must be at most 5000 characters'],
    [{ details: 'bell\u0007' }, 'details', 'Remove control characters from this answer'],
    [{ details: 'bad \uFFFD byte' }, 'details', 'Remove control characters from this answer'],
    [{ requesterRole: 'lawyer' }, 'requesterRole', 'Say whether you are asking for yourself or for someone else'],
    [{ confirm: '' }, 'confirm', 'Confirm that you are the data subject or authorised to act for them'],
    [{ submissionId: 'abc' }, 'submissionId', 'The form has expired; please reload the page and send it again'],
    [{ type: 'rectification', details: ' ' }, 'details', 'Say which data is wrong and what it should be'],
    [{ type: 'objection' }, 'details', 'Say which processing you object to and why'],
    [{ periodFrom: '2025-13-40' }, 'periodFrom', 'Enter a date as YYYY-MM-DD'],
    [{ periodFrom: '2025-05-01', periodTo: '2025-04-01' }, 'periodTo', 'The end of the period must not be before its start'],
    [{ preferredFormat: 'xml' }, 'preferredFormat', 'Choose JSON, CSV or PDF'],
    [{ country: 'XX' }, 'country', 'Choose a country from the list'],
    [{ requesterRole: 'representative' }, 'subjectName', 'Enter the name of the person you act for'],
    [{ requesterRole: 'representative', subjectName: 'Bo', subjectEmail: 'nope' }, 'subjectEmail', 'Enter the email address of the person you act for'],
    [{ requesterRole: 'representative', subjectName: 'Bo', subjectEmail: 'bo@example.org' }, 'agentRelationship', 'Choose your relationship to the person you act for'],
  ])('refuses %o with a message on %s', (override, field, message) => {
    const result = validateIntake({ ...valid, ...override });
    expect(result.success).toBe(false);
    if (!result.success) expect(english(result.errors[field])).toBe(message);
  });

  it('keeps scope, period, format and country; an agent names the subject, a subject filing for themselves does not', () => {
    const scoped = { scope: 'Order history', aliases: 'Ada Byron', periodFrom: '2024-01-01', periodTo: '2024-12-31', preferredFormat: 'csv', country: 'DE' };
    expect(validateIntake({ ...valid, ...scoped, subjectName: 'Ignored' })).toMatchObject({ success: true, data: { ...scoped, subjectName: '' } });
    const agent = { requesterRole: 'representative', subjectName: 'Bo Lovelace', subjectEmail: ' bo@example.org ', agentRelationship: 'parent' };
    expect(validateIntake({ ...valid, ...agent })).toMatchObject({ success: true, data: { subjectEmail: 'bo@example.org', agentRelationship: 'parent' } });
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
    expect(replySchema.safeParse({ message: ' ' }).error?.issues[0]?.message).toBe('replyErrors.empty');
    expect(replySchema.safeParse({ message: '\u001b[31m' }).error?.issues[0]?.message).toBe('replyErrors.control');
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
