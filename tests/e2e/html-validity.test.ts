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
    expect(files).toHaveLength(27);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
