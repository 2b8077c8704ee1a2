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
import { COMMANDS, HISTORY_MAX_COUNT } from './client-lines.ts';
import { NAME_MAX_CHARS, NAME_SOURCE, type NameProblem, isValidName, nameKey } from './names.ts';

export type Notice =
  | { notice: 'not-found'; name: string }
  | { notice: 'too-long'; max: number }
  | { notice: 'private-empty' }
  | { notice: 'unknown-command'; command: string }
  | { notice: 'name-timeout' }
  | { notice: 'server-full' }
  | { notice: 'shutdown' }
  /** A cluster node cannot reach the room (Redis) right now: a name attempt is refused, try again. */
  | { notice: 'unavailable' }
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
  | ({ type: 'notice' } & Notice)
  | HistoryEvent
  | ExtEvent;

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
export const UNAVAILABLE_LINE = 'Chat indisponível no momento, tente mais tarde.';
/**
 * A cluster node holds too many lines while Redis is away (CHAT_REDIS_BUFFER_BYTES): this line
 * reached nobody. Rare, so not a notice of its own: clients show it as it comes (`other`).
 */
export const CHAT_BUSY_LINE = 'Chat sobrecarregado: sua mensagem não foi entregue, tente de novo.';
/**
 * A cluster member lost its name (Redis came back without its data and someone else took it
 * first); the connection is closed after it. Shown as it comes (`other`).
 */
export const NAME_LOST_LINE = 'Seu nome passou a outra pessoa durante uma falha do chat. Entre de novo.';
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
    case 'history-header':
    case 'history-line':
    case 'history-end':
    case 'history-notice':
      return formatHistoryEvent(event);
    case 'ext-features':
    case 'ext-public':
    case 'ext-ack':
    case 'ext-history':
    case 'ext-history-end':
    case 'ext-usage':
    case 'ext-unknown':
    case 'ext-label-ack':
    case 'ext-session':
    case 'ext-resumed':
    case 'ext-resume-failed':
    case 'ext-session-moved':
      return formatExtEvent(event);
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
    case 'unavailable':
      return UNAVAILABLE_LINE;
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
  // No other line starts with `+`: only a client that opted in receives these.
  if (line.charCodeAt(0) === 0x2b /* + */) return parseExtLine(line);
  // Shaped like a public line from `Uso`, a reserved name no user can have.
  if (line === HISTORY_USAGE_LINE) return { type: 'history-notice', notice: 'usage' };
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
  if (line === UNAVAILABLE_LINE) return { type: 'notice', notice: 'unavailable' };
  const history = parseHistoryLine(line);
  if (history !== null) return history;
  return { type: 'notice', notice: 'other', text: line };
}

// --- History (docs/PROTOCOL.md, History) ---------------------------------------

export type HistoryEvent =
  | { type: 'history-header'; count: number }
  /** `stamp` is `DD/MM HH:MM` in the server's time zone (historyStamp). */
  | { type: 'history-line'; stamp: string; from: string; text: string }
  | { type: 'history-end' }
  | { type: 'history-notice'; notice: 'empty' | 'usage' | 'off' };

export const HISTORY_EMPTY_LINE = 'Nenhuma mensagem no histórico.';
export const HISTORY_USAGE_LINE = `Uso: /history [n], com n de 1 a ${HISTORY_MAX_COUNT}.`;
export const HISTORY_OFF_LINE = 'Histórico desativado neste servidor.';
export const HISTORY_END_LINE = 'Fim do histórico.';

/**
 * Names no user may take, because `<name>: ` would start a system line:
 * `Uso: /history …` is the usage answer, and a user called Uso sending
 * `//history [n], …` would otherwise be indistinguishable from it. The server
 * answers such a name as taken (it is: by the server).
 */
export const RESERVED_NAMES: readonly string[] = ['Uso'];

/** Whether a (valid) name is reserved, ignoring case and width like names are compared. */
export function isReservedName(name: string): boolean {
  const key = nameKey(name);
  return RESERVED_NAMES.some((r) => nameKey(r) === key);
}

/** `DD/MM HH:MM` of a time (ms since the epoch) in the local time zone, i.e. the server's `TZ`. */
export function historyStamp(time: number): string {
  const d = new Date(time);
  return `${pad2(d.getDate())}/${pad2(d.getMonth() + 1)} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function formatHistoryEvent(event: HistoryEvent): string {
  switch (event.type) {
    case 'history-header':
      return `Histórico (${event.count}):`;
    case 'history-line':
      return `[${event.stamp}] ${event.from}: ${event.text}`;
    case 'history-end':
      return HISTORY_END_LINE;
    case 'history-notice':
      return event.notice === 'empty' ? HISTORY_EMPTY_LINE : event.notice === 'usage' ? HISTORY_USAGE_LINE : HISTORY_OFF_LINE;
  }
}

const HISTORY_LINE_RE = re(`^\\[(\\d\\d/\\d\\d \\d\\d:\\d\\d)\\] (${NAME_SOURCE}): ([^]*)$`);
const HISTORY_HEADER_RE = /^Histórico \((\d+)\):$/u;

function parseHistoryLine(line: string): HistoryEvent | null {
  let m: RegExpExecArray | null;
  if ((m = HISTORY_LINE_RE.exec(line))) return { type: 'history-line', stamp: m[1]!, from: m[2]!, text: m[3]! };
  if ((m = HISTORY_HEADER_RE.exec(line))) return { type: 'history-header', count: Number(m[1]) };
  if (line === HISTORY_END_LINE) return { type: 'history-end' };
  if (line === HISTORY_EMPTY_LINE) return { type: 'history-notice', notice: 'empty' };
  if (line === HISTORY_OFF_LINE) return { type: 'history-notice', notice: 'off' };
  return null;
}

// --- Extensions (opt-in, docs/PROTOCOL.md, Extensions) --------------------------
//
// Every extension line starts with `+<verb>`, a start no other line has (no
// name or system line starts with `+`), so they never mix with the plain
// protocol. Fixed fields are separated by one space and hold no space; a line
// with user text has `<name>: <text>` last. A later version adds a new verb,
// or new fields at the end of `+ack`, `+hist-end` or `+usage`: this parser
// ignores such trailing fields, and parses a verb it does not know as
// `ext-unknown`, which a client ignores.

/** `time` is the server's clock in ms since the epoch; `id` the message's history id. */
export type ExtEvent =
  /** The answer to `/ext`: the features now on (possibly none). */
  | { type: 'ext-features'; features: string[] }
  /** A live public line, as a client with `ids` receives it. */
  | { type: 'ext-public'; id: number; time: number; from: string; text: string }
  /** The client's own public line was stored as `id`: one per public line it sends, in order. */
  | { type: 'ext-ack'; id: number; time: number }
  /** One stored line, in the answer to `/since` or `/last`. */
  | { type: 'ext-history'; id: number; time: number; from: string; text: string }
  /** The answer ends; `more`: newer stored lines exist beyond it (ask `/since` the last id again). */
  | { type: 'ext-history-end'; more: boolean }
  /** Bad arguments to an extension command. */
  | { type: 'ext-usage'; command: string }
  /**
   * A labelled line was handled (or recognised as a repeat): exactly one per
   * `/label`. `id`: the public line's history id; null (`-`) for a private
   * line, a line answered with an error, or without history.
   */
  | { type: 'ext-label-ack'; id: number | null; time: number; label: string }
  /** The session's token, the first line after the name is accepted (feature `resume`). */
  | { type: 'ext-session'; token: string }
  /** `/resume` worked: `count` lines were sent on the session in all; the replay follows. */
  | { type: 'ext-resumed'; name: string; count: number }
  /** `/resume` did not work (`unknown`, `gap`; a later version may add reasons): the prompt follows. */
  | { type: 'ext-resume-failed'; reason: string }
  /** Another connection took this session over: this connection closes. */
  | { type: 'ext-session-moved' }
  | { type: 'ext-unknown'; text: string };

function formatExtEvent(event: ExtEvent): string {
  switch (event.type) {
    case 'ext-features':
      return event.features.length === 0 ? '+ext' : `+ext ${event.features.join(' ')}`;
    case 'ext-public':
      return `+msg ${event.id} ${event.time} ${event.from}: ${event.text}`;
    case 'ext-ack':
      return `+ack ${event.id} ${event.time}`;
    case 'ext-history':
      return `+hist ${event.id} ${event.time} ${event.from}: ${event.text}`;
    case 'ext-history-end':
      return event.more ? '+hist-end more' : '+hist-end done';
    case 'ext-usage':
      return `+usage ${event.command}`;
    case 'ext-label-ack':
      return `+ack ${event.id ?? '-'} ${event.time} ${event.label}`;
    case 'ext-session':
      return `+session ${event.token}`;
    case 'ext-resumed':
      return `+resumed ${event.name} ${event.count}`;
    case 'ext-resume-failed':
      return `+resume-failed ${event.reason}`;
    case 'ext-session-moved':
      return '+session-moved';
    case 'ext-unknown':
      return event.text;
  }
}

// One expression for every verb: the page carries this code, and one regex
// weighs less than five (the page has a size budget). Its alternatives:
// `+msg|+hist <id> <time> <name>: <text>`; `+ack <id>|- <time> [<label>]`,
// `+hist-end more|done`, `+usage <command>`, `+session <token>`,
// `+resumed <name> <count>`, `+resume-failed <reason>` and `+session-moved`,
// each maybe followed by fields of a later version; `+ext <feature>…`.
const EXT_RE = re(
  `^\\+(?:(msg|hist) (\\d{1,16}) (\\d{1,16}) (${NAME_SOURCE}): ([^]*)|(?:ack (\\d{1,16}|-) (\\d{1,16})(?: ([A-Za-z0-9_-]{1,64}))?|hist-end (more|done)|usage ([a-z][a-z0-9-]*)|session ([A-Za-z0-9_-]{1,100}(?:\\.[A-Za-z0-9_.-]{1,64})?)|resumed (${NAME_SOURCE}) (\\d{1,16})|resume-failed ([a-z][a-z0-9-]*)|(session-moved))(?: [^]*)?|ext((?: [a-z][a-z0-9-]*)*))$`,
);

function parseExtLine(line: string): ExtEvent {
  const m = EXT_RE.exec(line);
  if (m === null) return { type: 'ext-unknown', text: line };
  const [, verb, id, time, from, text, ackId, ackTime, label, end, usage, token, resumed, count, failed, moved, features] = m;
  if (verb) return { type: verb === 'msg' ? 'ext-public' : 'ext-history', id: Number(id), time: Number(time), from: from!, text: text! };
  if (label) return { type: 'ext-label-ack', id: ackId === '-' ? null : Number(ackId), time: Number(ackTime), label };
  // `+ack - <time>` without a label is nothing this version sends.
  if (ackId === '-') return { type: 'ext-unknown', text: line };
  if (ackId) return { type: 'ext-ack', id: Number(ackId), time: Number(ackTime) };
  if (token) return { type: 'ext-session', token };
  if (resumed) return { type: 'ext-resumed', name: resumed, count: Number(count) };
  if (failed) return { type: 'ext-resume-failed', reason: failed };
  if (moved) return { type: 'ext-session-moved' };
  if (end) return { type: 'ext-history-end', more: end === 'more' };
  if (usage) return { type: 'ext-usage', command: usage };
  return { type: 'ext-features', features: features!.split(' ').slice(1) };
}
