import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/utils/env.server';

const dirs: string[] = [];
function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-env-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('defaults to the embedded database under DATA_DIR', () => {
    const dataDir = tempDir();
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config.backend).toBe('pglite');
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.dataDir).toBe(path.resolve(dataDir));
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const config = loadConfig({ DATA_DIR: tempDir(), DATABASE_URL: 'postgres://u:p@localhost:5432/portal' });
    expect(config.backend).toBe('postgres');
  });

  it.each([
    ['PORT', 'abc', /^Invalid configuration: PORT /],
    ['PORT', '70000', /^Invalid configuration: PORT /],
    ['DATABASE_URL', 'mysql://x', /^Invalid configuration: DATABASE_URL must be a postgres/],
    ['PUBLIC_URL', 'not a url', /^Invalid configuration: PUBLIC_URL /],
    ['PORTAL_TIMEZONE', 'Mars/Olympus', /^Invalid configuration: PORTAL_TIMEZONE must be an IANA time zone/],
    ['LOG_LEVEL', 'loud', /^Invalid configuration: LOG_LEVEL /],
    ['SESSION_SECRET', 'short', /^Invalid configuration: SESSION_SECRET must be at least 32 characters/],
    ['PORTAL_HOLIDAYS', '2026-12-25,christmas', /^Invalid configuration: PORTAL_HOLIDAYS/],
  ])('rejects a bad %s with one line naming it', (name, value, message) => {
    const attempt = () => loadConfig({ DATA_DIR: tempDir(), [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('generates secrets once into DATA_DIR with mode 0600 and reuses them', () => {
    const dataDir = tempDir();
    const first = loadConfig({ DATA_DIR: dataDir });
    const file = path.join(dataDir, 'secrets.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = loadConfig({ DATA_DIR: dataDir });
    expect(second.secrets).toEqual(first.secrets);
    expect(first.secrets.sessionSecret).not.toBe(first.secrets.exportKey);
    expect(Buffer.from(first.secrets.sessionSecret, 'base64url').length).toBe(32);
  });

  it('takes secrets from the environment without writing any file', () => {
    const dataDir = tempDir();
    const secret = 'x'.repeat(40);
    const config = loadConfig({ DATA_DIR: dataDir, SESSION_SECRET: secret, EXPORT_KEY: secret, BACKUP_KEY: secret, CONNECTOR_KEY: secret });
    expect(config.secrets.sessionSecret).toBe(secret);
    expect(fs.existsSync(path.join(dataDir, 'secrets.json'))).toBe(false);
  });

  it('requires secrets in production on a shared PostgreSQL', () => {
    expect(() =>
      loadConfig({ DATA_DIR: tempDir(), NODE_ENV: 'production', DATABASE_URL: 'postgres://localhost/portal' }),
    ).toThrow(/SESSION_SECRET is required in production/);
  });

  it('parses configured public holidays', () => {
    const config = loadConfig({ DATA_DIR: tempDir(), PORTAL_HOLIDAYS: '2026-12-25, 2026-12-26' });
    expect(config.holidays).toEqual(['2026-12-25', '2026-12-26']);
  });
});

describe('organisation identity', () => {
  it('is the demo identity, marked as such, when ORG_NAME is unset', () => {
    const config = loadConfig({ DATA_DIR: tempDir() });
    expect(config.organisation.demo).toBe(true);
    expect(config.organisation.name).toMatch(/demo/i);
  });

  it('is read from the environment when ORG_NAME is set', () => {
    const config = loadConfig({
      DATA_DIR: tempDir(),
      ORG_NAME: 'Acme Widgets SE',
      ORG_ADDRESS: 'Hauptstraße 1, 10115 Berlin',
      ORG_PRIVACY_EMAIL: 'privacy@acme.test',
      AUTHORITY_NAME: 'Berliner Beauftragte für Datenschutz',
      AUTHORITY_ADDRESS: 'Alt-Moabit 59-61, 10555 Berlin',
      AUTHORITY_URL: 'https://www.datenschutz-berlin.de/',
    });
    expect(config.organisation).toMatchObject({
      name: 'Acme Widgets SE',
      demo: false,
      authority: { name: 'Berliner Beauftragte für Datenschutz' },
      dpo: undefined,
    });
  });

  it('names the first missing variable when ORG_NAME is set without the rest', () => {
    expect(() => loadConfig({ DATA_DIR: tempDir(), ORG_NAME: 'Acme' })).toThrow(
      'Invalid configuration: ORG_ADDRESS is required when ORG_NAME is set',
    );
    expect(() =>
      loadConfig({ DATA_DIR: tempDir(), ORG_NAME: 'Acme', ORG_ADDRESS: 'x street 1', ORG_PRIVACY_EMAIL: 'nope' }),
    ).toThrow('Invalid configuration: ORG_PRIVACY_EMAIL must be an email address');
  });
});
