/**
 * Runs one program for a launcher and makes sure it does not outlive the
 * launcher, even one killed with SIGKILL (which runs no exit handler):
 *
 *   node --import tsx scripts/orphan-guard.ts <folder> -- <program> [args…]
 *
 * The launcher keeps this process's stdin open; when it closes, the launcher
 * is gone, so the program is stopped with SIGTERM and <folder> (its data) is
 * removed. SIGTERM/SIGINT sent to this process are passed on to the program,
 * and this process exits as the program did. Used for Redis in
 * `npm run cluster`: it runs in its own process group (a Ctrl-C must not
 * reach it before the chat nodes have left the room through it), so nothing
 * else would take it down with the launcher.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const sep = process.argv.indexOf('--');
const folder = process.argv[2];
const [program, ...args] = process.argv.slice(sep + 1);
if (sep !== 3 || folder === undefined || program === undefined) {
  process.stderr.write('usage: orphan-guard.ts <folder> -- <program> [args…]\n');
  process.exit(2);
}

let orphaned = false;
const child = spawn(program, args, { stdio: ['ignore', 'inherit', 'inherit'] });
child.on('error', (error) => {
  process.stderr.write(`cannot run ${program}: ${error.message}\n`);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
process.stdin.on('close', () => {
  orphaned = true;
  child.kill('SIGTERM');
});
process.stdin.resume();
child.on('exit', (code, signal) => {
  if (orphaned) rmSync(folder, { recursive: true, force: true });
  // As the program did; a signal as the shell shows it (128 + number).
  process.exit(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1));
});
