import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { badRequest, parseForm, validateFields } from '../../app/utils/form.server';
import { fieldErrors } from '../../app/utils/form-state';
import { invariantResponse } from '../../app/utils/invariant';

const post = (body: BodyInit, contentType = 'application/x-www-form-urlencoded') =>
  new Request('http://portal.test/form', { method: 'POST', body, headers: { 'Content-Type': contentType } });

const schema = z.object({
  email: z.email({ error: 'Enter an email address' }),
  password: z.string().min(12, 'Use at least 12 characters').min(13, 'never shown: only the first error per field'),
});

describe('parseForm: the one way an action reads its form', () => {
  it('returns the parsed data and the raw fields', async () => {
    const form = await parseForm(post('email=ada%40example.org&password=correct-horse-battery'), schema);
    expect(form).toMatchObject({ ok: true, data: { email: 'ada@example.org', password: 'correct-horse-battery' } });
  });

  it('answers 400 with the first error per field and echoes only the fields it was told to keep', async () => {
    const form = await parseForm(post('email=nope&password=short'), schema, { keep: ['email'], formError: 'Check the form.' });
    expect(form.ok).toBe(false);
    if (form.ok) return;
    expect(form.reply.status).toBe(400);
    const state = await form.reply.json();
    expect(state).toEqual({
      formError: 'Check the form.',
      fieldErrors: { email: 'Enter an email address', password: 'Use at least 12 characters' },
      values: { email: 'nope' },
    });
    expect(JSON.stringify(state)).not.toContain('short');
  });

  it('refuses another encoding with 415, broken multipart included, instead of throwing', async () => {
    for (const request of [
      post('{"email":"a@b.c"}', 'application/json'),
      post('--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na', 'multipart/form-data; boundary=x'),
    ]) {
      const form = await parseForm(request, schema);
      expect(form.ok).toBe(false);
      if (!form.ok) {
        expect(form.reply.status).toBe(415);
        expect(await form.reply.json()).toMatchObject({ formError: expect.stringContaining('could not be read') });
      }
    }
  });

  it('refuses a body over 1 MB with 413 and closes the connection, and bad UTF-8 with 400', async () => {
    const big = await parseForm(post(`email=${'x'.repeat(1_048_577)}`), schema);
    expect(!big.ok && big.reply.status).toBe(413);
    expect(!big.ok && big.reply.headers.get('Connection')).toBe('close');
    const bad = await parseForm(post('email=%FF&password=x'), schema);
    expect(!bad.ok && bad.reply.status).toBe(400);
  });

  it('carries route headers on every refusal', async () => {
    const form = await parseForm(post('{}', 'application/json'), schema, { headers: { 'Cache-Control': 'no-store' } });
    expect(!form.ok && form.reply.headers.get('Cache-Control')).toBe('no-store');
  });
});

describe('validateFields and badRequest', () => {
  it('validates fields already read, for actions with several intents', () => {
    expect(validateFields(schema, { email: 'ada@example.org', password: 'x'.repeat(13) })).toMatchObject({ ok: true });
    expect(validateFields(schema, { email: 'ada@example.org' }).ok).toBe(false);
  });

  it('echoes nothing unless asked, shortens long values, and takes a status', async () => {
    const none = await badRequest({ formError: 'No', values: { password: 'secret-secret' } }).json();
    expect(none).toEqual({ formError: 'No', values: {} });
    const res = badRequest({ values: { details: 'y'.repeat(7000) } }, { keep: ['details'], status: 429 });
    expect(res.status).toBe(429);
    expect((await res.json()).values.details).toHaveLength(6000);
  });

  it('keeps the first zod issue per field and puts path-less issues under form', () => {
    const refined = z.object({ a: z.string() }).refine(() => false, 'Whole form is wrong');
    const result = refined.safeParse({ a: 'x' });
    expect(result.success).toBe(false);
    if (!result.success) expect(fieldErrors(result.error)).toEqual({ form: 'Whole form is wrong' });
  });
});

describe('invariantResponse', () => {
  it('throws the given Response status when the value is missing, and passes values through', () => {
    expect(() => invariantResponse(undefined, 'Not found', { status: 404 })).toThrow(Response);
    try {
      invariantResponse(null, 'Not found', { status: 404 });
    } catch (error) {
      expect((error as Response).status).toBe(404);
    }
    expect(() => invariantResponse({ id: 1 }, 'Not found')).not.toThrow();
  });
});
