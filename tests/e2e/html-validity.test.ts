import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

/**
 * The Nu HTML Checker (vnu.jar, from the vnu-jar package; needs a Java runtime) on the main
 * public pages in every language, including the request form answered with errors: 0 errors.
 */
const run = promisify(execFile);
const VNU = path.join('node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');

describe('valid HTML', () => {
  it('the main public pages, in en, de and fr, have no Nu checker errors', async () => {
    const base = inject('baseURL');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-vnu-'));
    const save = async (name: string, res: Response) => fs.writeFileSync(path.join(dir, `${name}.html`), await res.text());
    for (const lang of ['en', 'de', 'fr']) {
      const headers = { 'Accept-Language': lang };
      for (const [name, url] of [
        ['home', '/'],
        ['form', '/requests/new'],
        ['sent', '/requests/sent'],
        ['registry', '/subprocessors'],
        ['registry-filtered', '/subprocessors?q=a&category=infrastructure'],
        ['subscribe', '/subprocessors/subscribe'],
        ['lost-link', '/status'],
        ['sign-in', '/login'],
        ['sign-up', '/signup'],
        ['not-found', '/no-such-page'],
      ]) {
        await save(`${lang}-${name}`, await fetch(`${base}${url}`, { headers }));
      }
      const registry = fs.readFileSync(path.join(dir, `${lang}-registry.html`), 'utf8');
      const change = /href="(\/subprocessors\/changes\/\d+)"/.exec(registry)![1];
      await save(`${lang}-change`, await fetch(`${base}${change}`, { headers }));
      const form = fs.readFileSync(path.join(dir, `${lang}-form.html`), 'utf8');
      const submissionId = /name="submissionId" value="([^"]+)"/.exec(form)![1]!;
      const errors = await fetch(`${base}/requests/new`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ submissionId, type: 'access', email: 'x', requesterRole: 'representative' }),
      });
      expect(errors.status).toBe(400);
      await save(`${lang}-form-errors`, errors);
    }
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
    const { stdout, stderr } = await run('java', ['-jar', VNU, '--errors-only', '--format', 'gnu', ...files]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    // gnu format: one "file:line.col: error: message" line per error, nothing when there are none.
    expect(`${stdout}${stderr}`.trim()).toBe('');
    expect(files).toHaveLength(36);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('valid HTML on the staff pages for requests from every channel', () => {
  it('the log form, its error answer, a request by post and its letters in en, de and fr have no Nu checker errors', async () => {
    const { signInOverHttp } = await import('../support/users');
    const base = inject('baseURL');
    const cookie = await signInOverHttp(base, inject('admin'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-vnu-channels-'));
    const save = async (name: string, res: Response) => fs.writeFileSync(path.join(dir, `${name}.html`), await res.text());
    const headers = { Cookie: cookie, Origin: base };
    await save('log-form', await fetch(`${base}/staff/requests/new?channel=email&received_at=2026-03-02T09:30:00Z&name=Ina&inbox=4`, { headers }));
    const refused = await fetch(`${base}/staff/requests/new`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: 'phone', receivedAt: '2020-01-01T10:00', name: 'X' }),
    });
    expect(refused.status).toBe(400);
    await save('log-form-errors', refused);
    for (const lang of ['en', 'de', 'fr']) {
      const logged = await fetch(`${base}/staff/requests/new`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ channel: 'letter', receivedAt: new Date(Date.now() - 36 * 3_600_000).toISOString().slice(0, 16), name: `Valid ${lang} ${Date.now()}`, postalAddress: '1 Valid Road\nLeeds', lang, type_access: 'yes', note: 'A letter.' }),
      });
      expect(logged.status).toBe(302);
      const requestPath = new URL(logged.headers.get('location')!, base).pathname;
      await save(`request-${lang}`, await fetch(`${base}${requestPath}`, { headers }));
      await save(`letter-${lang}`, await fetch(`${base}${requestPath}/letter`, { headers }));
    }
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
    expect(files).toHaveLength(8);
    const { stdout, stderr } = await run('java', ['-jar', VNU, '--errors-only', '--format', 'gnu', ...files]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${stdout}${stderr}`.trim()).toBe('');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('valid HTML in the access package', () => {
  it("summary.html, in en, de and fr, has no Nu checker errors", async () => {
    const { renderSummaryHtml } = await import('../../app/models/requests/package-summary.server');
    const { DEMO_ORGANISATION } = await import('../../app/utils/env.server');
    const at = '2026-03-02T10:00:00.000Z';
    const data = {
      format: 'privacy-portal/access-package/v1' as const,
      generatedAt: at,
      request: { reference: 'DSR-2026-000001', type: 'access', receivedAt: at, state: 'completed', closedAt: at, outcome: 'partial', withheldReason: 'Camera footage <showing> others' },
      controller: { name: 'Example', postalAddress: 'Street 1', privacyEmail: 'p@example.com', dpo: null, supervisoryAuthority: DEMO_ORGANISATION.authority },
      account: { email: 'a@example.com', role: 'subject', createdAt: at, emailConfirmedAt: at, passwordLastChangedAt: at, sessions: [], signInHistory: [] },
      requests: [],
      subprocessorAlertSubscriptions: [{ subscribedAt: at, confirmedAt: null, unsubscribedAt: null, language: 'en' }],
      subprocessorObjections: [],
      recipients: {
        asOf: '2026-03-02',
        subprocessors: [{ name: 'Host <&> Co', legalEntity: 'Host Ltd', purpose: 'Hosting', dataCategories: ['All'], locations: ['IE'], transferMechanism: 'sccs', since: '2024-01-01' }],
      },
      filesFromOtherSystems: [{ path: 'files/orders.csv', type: 'text/csv', bytes: 2048, sha256: 'ab'.repeat(32) }],
      processing: {
        asOf: at,
        answers: [{ system: 'Customer CRM', outcome: 'data', answeredAt: at, how: 'signature' }],
        systems: [
          {
            system: 'CRM <&>',
            why: 'answered' as const,
            answeredAt: at,
            activities: [
              {
                name: 'Sales <prospecting>',
                purpose: 'Finding customers & partners',
                legalBasis: 'Legitimate interests (Art. 6(1)(f) GDPR)',
                legalBasisCode: 'Art. 6(1)(f)',
                specialCategoryCondition: null,
                legitimateInterest: 'New <customers>',
                rightToObject: true,
                consentWithdrawal: null,
                dataUse: 'Email marketing',
                dataCategories: ['Email', 'Name'],
                dataSubjects: ['Prospect'],
                retention: '2 years after the last contact',
                source: 'Trade fairs',
                recipients: ['Support desk'],
                transfers: ['United States: EU-US Data Privacy Framework'],
                automatedDecisions: 'Automated decision-making (Art. 22 GDPR). The logic involved: scoring',
                untranslated: false,
              },
            ],
          },
        ],
      },
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-vnu-package-'));
    for (const lang of ['en', 'de', 'fr'] as const) {
      const html = renderSummaryHtml(data, {
        lang,
        organisation: DEMO_ORGANISATION,
        answer: 'Line one\nLine <two>',
        timeZone: 'Europe/London',
        publicUrl: 'https://portal.example',
        extras: { pdf: true, csv: true },
      });
      expect(html).toContain('Host &lt;&amp;&gt; Co');
      fs.writeFileSync(path.join(dir, `summary-${lang}.html`), html);
    }
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
    const { stdout, stderr } = await run('java', ['-jar', VNU, '--errors-only', '--format', 'gnu', ...files]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${stdout}${stderr}`.trim()).toBe('');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
