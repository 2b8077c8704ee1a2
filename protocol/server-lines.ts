/**
 * What the server sends: every line formats from, and parses back into,
 * exactly one event.
 *
 * Why the grammar is unambiguous: a name is made only of letters, digits,
 * `_`, `-` and `.`, so it can never contain a space, `:`, `,`, `!`, `(` or
 * `[`. Every user-driven line starts with a name followed at once by `: `
 * (public), ` entrou no chat!` (join) or ` saiu do chat.` (leave), or with
 * `[privado] `; every system line starts with a word followed by a space or
 * by punctuation that no name can contain. User text always comes after the
 * sender's name, and sanitising strips everything that could end a line.
 */
import { COMMANDS } from './client-lines.ts';
import { NAME_MAX_CHARS, NAME_SOURCE, type NameProblem, isValidName } from './names.ts';

export type Notice =
  | { notice: 'not-found'; name: string }
  | { notice: 'too-long'; max: number }
  | { notice: 'private-empty' }
  | { notice: 'unknown-command'; command: string }
  | { notice: 'name-timeout' }
  | { notice: 'server-full' }
  | { notice: 'shutdown' }
  /** A line this version does not know; shown as it is. */
  | { notice: 'other'; text: string };

export type ServerEvent =
  | { type: 'prompt' }
  /** `detail` says which rule; parsed lines always carry it, a missing one means 'chars'. */
  | { type: 'name-error'; reason: 'invalid'; detail?: NameProblem }
  | { type: 'name-error'; reason: 'taken'; name: string }
  | { type: 'welcome'; name: string; users: string[] }
  | { type: 'users'; users: string[] }
  | { type: 'join'; name: string }
  | { type: 'leave'; name: string }
  | { type: 'public'; from: string; text: string }
  | { type: 'private'; from: string; text: string }
  | ({ type: 'notice' } & Notice);

export const PROMPT_LINE = 'Digite seu nome:';
export const NAME_INVALID_LINE = `Nome inválido: use de 1 a ${NAME_MAX_CHARS} letras, números, _, - ou . (sem espaços).`;
export const NAME_INVISIBLE_LINE = 'Nome inválido: caracteres invisíveis não são permitidos.';
export const NAME_MIXED_SCRIPTS_LINE = 'Nome inválido: não misture alfabetos, como latino e cirílico, no mesmo nome.';
const NAME_INVALID_LINES: Readonly<Record<NameProblem, string>> = {
  chars: NAME_INVALID_LINE,
  invisible: NAME_INVISIBLE_LINE,
  'mixed-scripts': NAME_MIXED_SCRIPTS_LINE,
};
export const PRIVATE_EMPTY_LINE = 'Mensagem privada vazia: use @nome texto.';
export const NAME_TIMEOUT_LINE = 'Tempo para informar o nome esgotado.';
export const SERVER_FULL_LINE = 'Servidor cheio, tente mais tarde.';
export const SHUTDOWN_LINE = 'Servidor encerrando.';
const COMMAND_HELP = `Comandos: ${COMMANDS.join(', ')} e //texto para enviar /texto.`;

/** One server line, without its LF. */
export function formatEvent(event: ServerEvent): string {
  switch (event.type) {
    case 'prompt':
      return PROMPT_LINE;
    case 'name-error':
      return event.reason === 'invalid' ? NAME_INVALID_LINES[event.detail ?? 'chars'] : `Nome já em uso: ${event.name}.`;
    case 'welcome':
      return `Bem-vindo, ${event.name}! ${formatOnline(event.users)}`;
    case 'users':
      return formatOnline(event.users);
    case 'join':
      return `${event.name} entrou no chat!`;
    case 'leave':
      return `${event.name} saiu do chat.`;
    case 'public':
      return `${event.from}: ${event.text}`;
    case 'private':
      return `[privado] ${event.from}: ${event.text}`;
    case 'notice':
      return formatNotice(event);
  }
}

function formatOnline(users: readonly string[]): string {
  return `Online (${users.length}): ${users.join(', ')}`;
}

function formatNotice(n: Notice): string {
  switch (n.notice) {
    case 'not-found':
      return `Usuário ${n.name} não encontrado.`;
    case 'too-long':
      return `Mensagem muito longa (máximo ${n.max} bytes).`;
    case 'private-empty':
      return PRIVATE_EMPTY_LINE;
    case 'unknown-command':
      return `Comando desconhecido: /${n.command}. ${COMMAND_HELP}`;
    case 'name-timeout':
      return NAME_TIMEOUT_LINE;
    case 'server-full':
      return SERVER_FULL_LINE;
    case 'shutdown':
      return SHUTDOWN_LINE;
    case 'other':
      return n.text;
  }
}

const re = (source: string) => new RegExp(source, 'u');
const PUBLIC_RE = re(`^(${NAME_SOURCE}): ([^]*)$`);
const PRIVATE_LINE_RE = re(`^\\[privado\\] (${NAME_SOURCE}): ([^]*)$`);
const JOIN_RE = re(`^(${NAME_SOURCE}) entrou no chat!$`);
const LEAVE_RE = re(`^(${NAME_SOURCE}) saiu do chat\\.$`);
const WELCOME_RE = re(`^Bem-vindo, (${NAME_SOURCE})! Online \\((\\d+)\\): (.+)$`);
const USERS_RE = /^Online \((\d+)\): (.+)$/u;
const TAKEN_RE = re(`^Nome já em uso: (${NAME_SOURCE})\\.$`);
const NOT_FOUND_RE = /^Usuário (\S+) não encontrado\.$/u;
const TOO_LONG_RE = /^Mensagem muito longa \(máximo (\d+) bytes\)\.$/u;
const UNKNOWN_COMMAND_RE = new RegExp(
  `^Comando desconhecido: /(\\S*)\\. ${COMMAND_HELP.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`,
  'u',
);

function parseUsers(count: string, list: string): string[] | null {
  const users = list.split(', ');
  if (users.length !== Number(count) || !users.every(isValidName)) return null;
  return users;
}

/** Parses one server line (without its LF) into its event. */
export function parseServerLine(line: string): ServerEvent {
  let m: RegExpExecArray | null;
  // User-driven lines first: they are the common case.
  if ((m = PUBLIC_RE.exec(line))) return { type: 'public', from: m[1]!, text: m[2]! };
  if ((m = PRIVATE_LINE_RE.exec(line))) return { type: 'private', from: m[1]!, text: m[2]! };
  if ((m = JOIN_RE.exec(line))) return { type: 'join', name: m[1]! };
  if ((m = LEAVE_RE.exec(line))) return { type: 'leave', name: m[1]! };
  if (line === PROMPT_LINE) return { type: 'prompt' };
  for (const detail of Object.keys(NAME_INVALID_LINES) as NameProblem[]) {
    if (line === NAME_INVALID_LINES[detail]) return { type: 'name-error', reason: 'invalid', detail };
  }
  if ((m = TAKEN_RE.exec(line))) return { type: 'name-error', reason: 'taken', name: m[1]! };
  if ((m = WELCOME_RE.exec(line))) {
    const users = parseUsers(m[2]!, m[3]!);
    if (users) return { type: 'welcome', name: m[1]!, users };
  }
  if ((m = USERS_RE.exec(line))) {
    const users = parseUsers(m[1]!, m[2]!);
    if (users) return { type: 'users', users };
  }
  if ((m = NOT_FOUND_RE.exec(line))) return { type: 'notice', notice: 'not-found', name: m[1]! };
  if ((m = TOO_LONG_RE.exec(line))) return { type: 'notice', notice: 'too-long', max: Number(m[1]) };
  if ((m = UNKNOWN_COMMAND_RE.exec(line))) {
    return { type: 'notice', notice: 'unknown-command', command: m[1]! };
  }
  if (line === PRIVATE_EMPTY_LINE) return { type: 'notice', notice: 'private-empty' };
  if (line === NAME_TIMEOUT_LINE) return { type: 'notice', notice: 'name-timeout' };
  if (line === SERVER_FULL_LINE) return { type: 'notice', notice: 'server-full' };
  if (line === SHUTDOWN_LINE) return { type: 'notice', notice: 'shutdown' };
  return { type: 'notice', notice: 'other', text: line };
}
