import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/client';
import { issueSetupLink, SETUP_LINK_FILE } from '~/models/accounts/first-admin.server';
import { ADMIN_SETUP_LINK_HOURS } from '~/models/policy';
import type { Logger } from '~/utils/logger.server';

/**
 * At start-up, while no administrator exists, shows the operator a one-time link to create the
 * first one. The link is a credential and never goes through the logger (decision 091): on a
 * terminal (stdout is a TTY: a person reads it, no log pipeline) it is printed there; otherwise
 * it is written to DATA_DIR/admin-setup-link.txt, readable only by this user, and the log says
 * where. Once an administrator exists the file is removed.
 */
export async function offerFirstAdminSetup(deps: {
  db: DB;
  dataDir: string;
  baseUrl: string;
  logger: Logger;
  terminal?: NodeJS.WriteStream;
}): Promise<void> {
  const file = path.join(deps.dataDir, SETUP_LINK_FILE);
  const token = await issueSetupLink(deps.db);
  if (!token) {
    fs.rmSync(file, { force: true });
    return;
  }
  const url = `${deps.baseUrl}/setup/${token}`;
  const terminal = deps.terminal ?? process.stdout;
  if (terminal.isTTY) {
    fs.rmSync(file, { force: true });
    terminal.write(
      `\nNo administrator yet. Open this one-time link to create the first one (valid ${ADMIN_SETUP_LINK_HOURS} hours; a restart gives a new one):\n\n  ${url}\n\n`,
    );
    return;
  }
  fs.mkdirSync(deps.dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(
    tmp,
    `${url}\n\nOpen this one-time link to create the first administrator. It works once, for ${ADMIN_SETUP_LINK_HOURS} hours, and not at all once an administrator exists; a restart of the portal writes a new one.\n`,
    { mode: 0o600 },
  );
  fs.renameSync(tmp, file);
  deps.logger.warn({ file }, 'no administrator yet: the one-time setup link is in this file (readable only by this user)');
}
