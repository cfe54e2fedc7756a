/**
 * `npm run create-admin -- --email you@example.org`: creates an administrator, or promotes an
 * existing account. A new account's password is asked for on the terminal without echo, or
 * read from the first line of standard input when that is not a terminal (for automation).
 * On the embedded database, stop the portal first: PGlite opens a data folder in one process only.
 */
import path from 'node:path';
import { adminNeedsPassword, createOrPromoteAdmin } from '../app/models/accounts/accounts.server';
import { ConfigError, loadConfig } from '../app/utils/env.server';
import { checkPasswordPolicy } from '../app/utils/password-policy.server';
import { createDb, migrateToLatest } from '../db/client';
import { refusalWhileRunning } from './refusal';

function parseEmail(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--email') return argv[i + 1];
    if (arg.startsWith('--email=')) return arg.slice('--email='.length);
  }
  return undefined;
}

/** Reads a line from the terminal with echo off; pasting works, Backspace edits, Ctrl-C aborts. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    // Echo off before the prompt appears, so nothing typed after it can be shown.
    stdin.setRawMode(true);
    process.stderr.write(question);
    stdin.setEncoding('utf8');
    stdin.resume();
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] ?? '';
}

async function askPassword(email: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const password = await readStdinLine();
    const problem = checkPasswordPolicy(password, email);
    if (problem) throw new UsageError(`Password refused: ${problem}`);
    return password;
  }
  for (;;) {
    const password = await promptHidden('Password for the new administrator (not shown): ');
    const problem = checkPasswordPolicy(password, email);
    if (problem) {
      process.stderr.write(`${problem}\n`);
      continue;
    }
    if ((await promptHidden('Repeat the password: ')) === password) return password;
    process.stderr.write('The two passwords differ; try again.\n');
  }
}

class UsageError extends Error {}

async function main() {
  const email = parseEmail(process.argv.slice(2))?.trim();
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new UsageError('Usage: npm run create-admin -- --email you@example.org');
  }
  const config = loadConfig();
  const { db, backend } = createDb({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite') });
  try {
    await migrateToLatest(db);
    const password = (await adminNeedsPassword(db, email)) ? await askPassword(email) : undefined;
    const result = await createOrPromoteAdmin(db, { email, password });
    const said = {
      created: `Created administrator ${email} (${backend}).`,
      promoted: `${email} is now an administrator (${backend}); their sessions were ended.`,
      'already-admin': `${email} is already an administrator (${backend}); nothing changed.`,
      reclaimed: `${email} had an account whose address was never confirmed: its password is now yours, its sessions were ended, and it is an administrator (${backend}).`,
    };
    process.stdout.write(`${said[result]}\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  const message =
    refusalWhileRunning(
      error,
      'stop the portal first, or create the first administrator with the one-time setup link the portal gave at start, or have an administrator invite you at /staff/users',
    ) ?? (error instanceof ConfigError || error instanceof UsageError ? error.message : `create-admin failed: ${(error as Error).message}`);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
