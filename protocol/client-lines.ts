/**
 * What a user sends: the meaning of one line from a joined client.
 */

/** Commands a user can type; the unknown-command error lists them. */
export const COMMANDS = ['/users', '/quit'] as const;

export type ClientLine =
  | { type: 'empty' }
  | { type: 'public'; text: string }
  | { type: 'private'; to: string; text: string }
  | { type: 'private-empty'; to: string }
  | { type: 'users' }
  | { type: 'quit' }
  | { type: 'unknown-command'; command: string };

const PRIVATE_RE = /^@(\S+)(?:\s+([^]*))?$/u;

export function parseClientLine(line: string): ClientLine {
  if (line.trim() === '') return { type: 'empty' };
  const first = line.charCodeAt(0);
  if (first === 0x2f /* / */) {
    if (line.charCodeAt(1) === 0x2f) return { type: 'public', text: line.slice(1) };
    const command = line.slice(1).split(/\s/u, 1)[0]!;
    const known = command.toLowerCase();
    if (known === 'users') return { type: 'users' };
    if (known === 'quit') return { type: 'quit' };
    return { type: 'unknown-command', command };
  }
  if (first === 0x40 /* @ */) {
    const m = PRIVATE_RE.exec(line);
    if (m) {
      const to = m[1]!;
      const text = m[2] ?? '';
      if (text.trim() === '') return { type: 'private-empty', to };
      return { type: 'private', to, text };
    }
  }
  return { type: 'public', text: line };
}

