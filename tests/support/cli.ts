import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/**
 * Runs a command-line tool as an operator does with `npm run <script> -- args`: the command
 * package.json names for it, through a shell with node_modules/.bin on the PATH, with this
 * environment and, when given, `input` on standard input (create-admin reads the password
 * there). npm itself is left out (it adds a second of CPU per run); `exec` keeps the tool the
 * child, so a crash shows as its signal.
 */
export function runNpmScript(script: string, args: string[], options: { env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<CliResult> {
  const command = scripts[script];
  if (!command) throw new Error(`package.json has no script "${script}"`);
  return new Promise((resolve, reject) => {
    const env = { ...options.env, PATH: `${path.join(root, 'node_modules/.bin')}${path.delimiter}${options.env.PATH ?? ''}` };
    const child = spawn('sh', ['-c', `exec ${command} "$@"`, script, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The non-empty lines of a tool's output. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}
