/**
 * The page's words in English and Portuguese. The server speaks Portuguese on
 * the wire; its lines are parsed into events (protocol.ts) and every event is
 * worded here, in the page's language.
 */
import { type Notice, HISTORY_MAX_COUNT, NAME_MAX_CHARS } from '../../protocol/index.ts';
import type { Item } from './message-log.svelte.ts';
import type { Reason } from './link-status.ts';
import type { NameProblem } from './name-problems.ts';

export type Lang = 'en' | 'pt';

/** Portuguese for any `pt*` browser language, English otherwise. */
export function pickLang(languages: readonly string[]): Lang {
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'pt') return 'pt';
    if (base === 'en') return 'en';
  }
  return 'en';
}

const en = {
  appName: 'Chat',
  // name prompt
  promptTitle: 'Join the chat',
  promptIntro: 'Pick the name others will see.',
  nameLabel: 'Your name',
  nameHint: `1 to ${NAME_MAX_CHARS} letters, digits, _, - or . (no spaces)`,
  nameProblem: {
    'too-long': `At most ${NAME_MAX_CHARS} characters.`,
    space: 'Spaces are not allowed.',
    emoji: 'Emoji are not allowed.',
    invisible: 'Invisible characters are not allowed.',
    other: 'This name is not allowed.',
  },
  charNotAllowed: (c: string) => `“${c}” is not allowed.`,
  join: 'Join',
  joining: 'Joining…',
  nameInvalid: 'The server refused this name.',
  nameTaken: (n: string) => `The name ${n} is already in use. Try another.`,
  nameTakenRejoin: (n: string) => `Someone took the name ${n} while you were away. Pick another.`,
  // After a failed resume: the name may be held a little longer by the session's old node (NAME_WAIT_MS).
  nameWait: 'Waiting for your name to be free…',
  pendingWaiting: (n: number) => `Waiting to send: ${n}`,
  // connection
  status: {
    online: 'Connected',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
  },
  retryIn: (s: number) => `Retrying in ${s} s`,
  retryNow: 'Retry now',
  cannotReach: 'Cannot reach the server.',
  offlineBanner: 'What you send now is delivered after reconnecting.',
  // list
  messagesLabel: 'Messages',
  privateTo: (n: string) => `private to ${n}`,
  privateFrom: (n: string) => `private from ${n}`,
  you: 'you',
  pending: 'waiting to send',
  // Sent, not confirmed by the server yet: it is sent again after a drop until it is.
  sending: 'sending…',
  notDelivered: (why: string) => `Not delivered: ${why}`,
  joined: (n: string) => `${n} joined`,
  left: (n: string) => `${n} left`,
  onlineNow: (users: string[]) => `Online (${users.length}): ${users.join(', ')}`,
  welcome: (n: string) => `Welcome, ${n}!`,
  // One line: what a rejoin could not bring back (private lines are never kept; without history, nothing is).
  reconnected: (ids: boolean) =>
    `Reconnected. ${ids ? 'Private messages sent to you' : 'Messages sent'} while you were away may be lost.`,
  disconnected: 'Connection lost.',
  resumed: 'Reconnected. Nothing was missed.',
  sessionMoved: 'This chat was opened in another tab and goes on there.',
  sessionMovedPrompt: (n: string) => `Your chat as ${n} goes on in another tab. Pick another name to chat here too.`,
  history: {
    start: (n: number) => `History: ${n} ${n === 1 ? 'message' : 'messages'}`,
    end: 'End of history.',
    earlier: 'earlier messages',
    empty: 'No messages in the history.',
    usage: `Usage: /history [n], n from 1 to ${HISTORY_MAX_COUNT}.`,
    off: 'History is off on this server.',
  },
  newMessages: (n: number) => (n === 1 ? '1 new message' : `${n} new messages`),
  showEarlier: 'Show earlier messages',
  empty: 'No messages yet. Say hello!',
  // composer
  composerLabel: 'Message',
  // Short enough for a 320 px phone in a wide font (DejaVu Sans).
  composerPlaceholder: 'Message · private: @name',
  send: 'Send',
  willGoPrivately: (n: string) => `Will go privately to ${n}`,
  bytesLeft: (n: number) => `${n} bytes left`,
  bytesOver: (n: number) => `${n} bytes over the limit`,
  suggestions: 'Online users',
  // online list
  onlineTitle: 'Online',
  // attention
  close: 'Close',
  enableNotifications: 'Enable notifications',
  privateFromTitle: (n: string) => `Private message from ${n}`,
  mentionTitle: (n: string) => `${n} mentioned you`,
  // notices
  notice: {
    notFound: (n: string) => `User ${n} is not online.`,
    tooLong: (max: number) => `Message too long (at most ${max} bytes).`,
    privateEmpty: 'Empty private message: write @name text.',
    unknownCommand: (c: string) => `Unknown command: /${c}. Try /users, /history, /quit or //text.`,
    nameTimeout: 'Took too long to pick a name.',
    serverFull: 'The server is full; trying again later.',
    shutdown: 'The server is shutting down.',
    unavailable: 'The chat is unavailable right now; try again later.',
  },
};

export type Strings = typeof en;

const pt: Strings = {
  appName: 'Chat',
  promptTitle: 'Entre no chat',
  promptIntro: 'Escolha o nome que os outros verão.',
  nameLabel: 'Seu nome',
  nameHint: `De 1 a ${NAME_MAX_CHARS} letras, números, _, - ou . (sem espaços)`,
  nameProblem: {
    'too-long': `No máximo ${NAME_MAX_CHARS} caracteres.`,
    space: 'Espaços não são permitidos.',
    emoji: 'Emojis não são permitidos.',
    invisible: 'Caracteres invisíveis não são permitidos.',
    other: 'Este nome não é permitido.',
  },
  charNotAllowed: (c: string) => `“${c}” não é permitido.`,
  join: 'Entrar',
  joining: 'Entrando…',
  nameInvalid: 'O servidor recusou este nome.',
  nameTaken: (n: string) => `O nome ${n} já está em uso. Tente outro.`,
  nameTakenRejoin: (n: string) => `Alguém pegou o nome ${n} enquanto você esteve fora. Escolha outro.`,
  nameWait: 'Aguardando seu nome ficar livre…',
  pendingWaiting: (n: number) => `Aguardando envio: ${n}`,
  status: {
    online: 'Conectado',
    connecting: 'Conectando…',
    reconnecting: 'Reconectando…',
  },
  retryIn: (s: number) => `Nova tentativa em ${s} s`,
  retryNow: 'Tentar agora',
  cannotReach: 'Servidor fora do ar.',
  offlineBanner: 'O que enviar agora será entregue ao reconectar.',
  messagesLabel: 'Mensagens',
  privateTo: (n: string) => `privado para ${n}`,
  privateFrom: (n: string) => `privado de ${n}`,
  you: 'você',
  pending: 'aguardando envio',
  sending: 'enviando…',
  notDelivered: (why: string) => `Não entregue: ${why}`,
  joined: (n: string) => `${n} entrou`,
  left: (n: string) => `${n} saiu`,
  onlineNow: (users: string[]) => `Online (${users.length}): ${users.join(', ')}`,
  welcome: (n: string) => `Bem-vindo, ${n}!`,
  reconnected: (ids: boolean) =>
    `Reconectado. ${ids ? 'Mensagens privadas enviadas a você' : 'Mensagens enviadas'} enquanto esteve fora podem ter se perdido.`,
  disconnected: 'Conexão perdida.',
  resumed: 'Reconectado. Nada se perdeu.',
  sessionMoved: 'Este chat foi aberto em outra aba e continua lá.',
  sessionMovedPrompt: (n: string) => `Seu chat como ${n} continua em outra aba. Escolha outro nome para conversar aqui também.`,
  history: {
    start: (n: number) => `Histórico: ${n} ${n === 1 ? 'mensagem' : 'mensagens'}`,
    end: 'Fim do histórico.',
    earlier: 'mensagens anteriores',
    empty: 'Nenhuma mensagem no histórico.',
    usage: `Uso: /history [n], com n de 1 a ${HISTORY_MAX_COUNT}.`,
    off: 'Histórico desativado neste servidor.',
  },
  newMessages: (n: number) => (n === 1 ? '1 mensagem nova' : `${n} mensagens novas`),
  showEarlier: 'Mostrar mensagens anteriores',
  empty: 'Nenhuma mensagem ainda. Diga olá!',
  composerLabel: 'Mensagem',
  composerPlaceholder: 'Mensagem · privado: @nome',
  send: 'Enviar',
  willGoPrivately: (n: string) => `Vai em privado para ${n}`,
  bytesLeft: (n: number) => `Restam ${n} bytes`,
  bytesOver: (n: number) => `${n} bytes acima do limite`,
  suggestions: 'Usuários online',
  onlineTitle: 'Online',
  close: 'Fechar',
  enableNotifications: 'Ativar notificações',
  privateFromTitle: (n: string) => `Mensagem privada de ${n}`,
  mentionTitle: (n: string) => `${n} mencionou você`,
  notice: {
    notFound: (n: string) => `Usuário ${n} não está online.`,
    tooLong: (max: number) => `Mensagem muito longa (máximo ${max} bytes).`,
    privateEmpty: 'Mensagem privada vazia: use @nome texto.',
    unknownCommand: (c: string) => `Comando desconhecido: /${c}. Use /users, /history, /quit ou //texto.`,
    nameTimeout: 'Tempo para informar o nome esgotado.',
    serverFull: 'Servidor cheio; tentando de novo mais tarde.',
    shutdown: 'O servidor está encerrando.',
    unavailable: 'Chat indisponível no momento, tente mais tarde.',
  },
};

export const STRINGS: Record<Lang, Strings> = { en, pt };

/** A server notice in the page's language; unknown lines are shown as they came. */
export function noticeText(n: Notice, t: Strings): string {
  switch (n.notice) {
    case 'not-found':
      return t.notice.notFound(n.name);
    case 'too-long':
      return t.notice.tooLong(n.max);
    case 'private-empty':
      return t.notice.privateEmpty;
    case 'unknown-command':
      return t.notice.unknownCommand(n.command);
    case 'name-timeout':
      return t.notice.nameTimeout;
    case 'server-full':
      return t.notice.serverFull;
    case 'shutdown':
      return t.notice.shutdown;
    case 'unavailable':
      return t.notice.unavailable;
    case 'other':
      return n.text;
  }
}

/** Why the page is not in the chat, in a sentence. */
export function reasonText(reason: Reason, t: Strings): string {
  return reason === 'full' ? t.notice.serverFull : reason === 'shutdown' ? t.notice.shutdown : t.cannotReach;
}

/** What is wrong with a name, in words ("Spaces are not allowed.", "“@” is not allowed."). */
export function nameProblemText(p: NameProblem, t: Strings): string {
  return p.kind === 'char' ? t.charNotAllowed(p.char) : t.nameProblem[p.kind];
}

/** The quiet line for a join, leave, online list, notice, history line or connection change. */
export function systemText(item: Exclude<Item, { kind: 'msg' }>, t: Strings): string {
  switch (item.kind) {
    case 'join':
      return t.joined(item.name);
    case 'leave':
      return t.left(item.name);
    case 'users':
      return t.onlineNow(item.users);
    case 'notice':
      return noticeText(item.notice, t);
    case 'history': {
      const h = t.history;
      return item.mark === 'start' ? h.start(item.count!) : h[item.mark];
    }
    case 'status':
      switch (item.status) {
        case 'welcome':
          return t.welcome(item.name);
        case 'reconnected':
          return t.reconnected(!!item.ids);
        case 'resumed':
          return t.resumed;
        case 'moved':
          return t.sessionMoved;
        case 'disconnected':
          return t.disconnected;
      }
  }
}
