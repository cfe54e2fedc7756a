import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from './smtp';

/** Where Debian's dovecot-imapd puts the server (.ci/run installs it). */
export const DOVECOT = '/usr/sbin/dovecot';

/** Outside CI a missing Dovecot skips the suite; in CI (CI=true) it is a failure. */
export function dovecotMissing(): string | false {
  if (existsSync(DOVECOT)) return false;
  if (process.env.CI === 'true') throw new Error(`${DOVECOT} is missing: install dovecot-imapd (the CI run must not skip the privacy-mailbox suite)`);
  return `${DOVECOT} is missing: install dovecot-imapd to run the privacy-mailbox suite (skipped)`;
}

export type TestDovecot = {
  port: number;
  user: string;
  password: string;
  /** INBOX_IMAP_URL for the portal. */
  url: string;
  append: (raw: string | Buffer) => Promise<void>;
  /** The flags of every message in INBOX, by UID: what the portal changed. */
  flags: () => Promise<Map<number, string[]>>;
  stop: () => Promise<void>;
};

async function waitForPort(port: number, child: ChildProcess, logFile: string) {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) throw new Error(`dovecot exited: ${await fs.readFile(logFile, 'utf8').catch(() => '')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dovecot did not listen on ${port}: ${await fs.readFile(logFile, 'utf8').catch(() => '')}`);
}

/**
 * A real Dovecot in a temp dir: its own dovecot.conf, IMAP on 127.0.0.1 at a free port,
 * plaintext auth (loopback only), one passwd-file user and a maildir. Stopped by `stop`.
 */
export async function startDovecot(): Promise<TestDovecot> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pp-dovecot-'));
  await fs.chmod(dir, 0o755);
  const port = await freePort();
  const user = 'privacy';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  // Dovecot refuses mail access as UID 0: as root, mail is owned by the dovecot user.
  const uid = process.getuid?.() === 0 ? Number((await fs.readFile('/etc/passwd', 'utf8')).match(/^dovecot:[^:]*:(\d+):/m)?.[1] ?? 0) : process.getuid!();
  const gid = process.getuid?.() === 0 ? Number((await fs.readFile('/etc/passwd', 'utf8')).match(/^dovecot:[^:]*:\d+:(\d+):/m)?.[1] ?? 0) : process.getgid!();
  const home = path.join(dir, 'home');
  await fs.mkdir(home, { recursive: true });
  await fs.chown(home, uid, gid);
  await fs.writeFile(path.join(dir, 'users'), `${user}:{PLAIN}${password}:${uid}:${gid}::${home}\n`);
  const logFile = path.join(dir, 'dovecot.log');
  const conf = path.join(dir, 'dovecot.conf');
  await fs.writeFile(
    conf,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${logFile}
info_log_path = ${logFile}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
  );
  const child = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  try {
    await waitForPort(port, child, logFile);
  } catch (error) {
    child.kill('SIGTERM');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  const connect = async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
    await client.connect();
    return client;
  };
  return {
    port,
    user,
    password,
    url: `imap://${user}@127.0.0.1:${port}/INBOX`,
    async append(raw) {
      const client = await connect();
      try {
        await client.append('INBOX', raw);
      } finally {
        await client.logout();
      }
    },
    async flags() {
      const client = await connect();
      try {
        await client.mailboxOpen('INBOX', { readOnly: true });
        const out = new Map<number, string[]>();
        for await (const msg of client.fetch('1:*', { uid: true, flags: true })) out.set(msg.uid, [...(msg.flags ?? [])].sort());
        return out;
      } finally {
        await client.logout();
      }
    },
    async stop() {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
