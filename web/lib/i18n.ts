/**
 * The page's words in English and Portuguese. The server speaks Portuguese on
 * the wire; its lines are parsed into events (protocol.ts) and every event is
 * worded here, in the page's language.
 */
import type { Notice } from '../../tcp-server/protocol.ts';
import { NAME_MAX_CHARS } from '../../tcp-server/protocol.ts';

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
  promptIntro: 'Pick a name that others will see. Netcat and browser users share one room.',
  nameLabel: 'Your name',
  nameHint: `1 to ${NAME_MAX_CHARS} letters, digits, _, - or . (no spaces)`,
  nameInvalidLive: (bad: string) => `Not allowed here: ${bad}`,
  nameTooLong: `At most ${NAME_MAX_CHARS} characters`,
  join: 'Join',
  joining: 'Joining…',
  nameInvalid: `The server refused this name: use 1 to ${NAME_MAX_CHARS} letters, digits, _, - or . (no spaces).`,
  nameTaken: (n: string) => `The name ${n} is already in use. Try another.`,
  nameTakenRejoin: (n: string) => `While you were away, someone took the name ${n}. Choose another to rejoin.`,
  pendingKept: (n: number) => (n === 1 ? '1 message waits to be sent once you join.' : `${n} messages wait to be sent once you join.`),
  cannotReach: 'Cannot reach the chat server. Retrying…',
  pendingWaiting: (n: number) => (n === 1 ? '1 message waiting.' : `${n} messages waiting.`),
  // connection
  status: {
    online: 'Connected',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
    offline: 'Offline',
  },
  retryIn: (s: number) => `Retrying in ${s} s`,
  retryNow: 'Retry now',
  offlineBanner: 'You are offline. What you send now is kept and delivered after reconnecting.',
  // list
  messagesLabel: 'Messages',
  privateTo: (n: string) => `private to ${n}`,
  privateFrom: (n: string) => `private from ${n}`,
  you: 'you',
  pending: 'waiting to send',
  notDelivered: 'not delivered: user not online',
  joined: (n: string) => `${n} joined`,
  left: (n: string) => `${n} left`,
  onlineNow: (users: string[]) => `Online (${users.length}): ${users.join(', ')}`,
  welcome: (n: string) => `Welcome, ${n}!`,
  reconnected: 'Reconnected.',
  disconnected: 'Connection lost.',
  newMessages: (n: number) => (n === 1 ? '1 new message' : `${n} new messages`),
  showEarlier: 'Show earlier messages',
  empty: 'No messages yet. Say hello!',
  // composer
  composerLabel: 'Message',
  composerPlaceholder: 'Message everyone — @name for private, Tab completes names',
  send: 'Send',
  willGoPrivately: (n: string) => `Will go privately to ${n}`,
  bytesLeft: (n: number) => `${n} bytes left`,
  bytesOver: (n: number) => `${n} bytes over the limit`,
  suggestions: 'Online users',
  // online list
  onlineTitle: 'Online',
  onlineToggle: (n: number) => `Online (${n})`,
  mentionHint: (n: string) => `Write to ${n}`,
  // attention
  enableNotifications: 'Enable notifications',
  privateFromTitle: (n: string) => `Private message from ${n}`,
  mentionTitle: (n: string) => `${n} mentioned you`,
  // notices
  notice: {
    notFound: (n: string) => `User ${n} is not online.`,
    tooLong: (max: number) => `Message too long (at most ${max} bytes).`,
    privateEmpty: 'Empty private message: write @name text.',
    unknownCommand: (c: string) => `Unknown command: /${c}. Commands: /users, /quit and //text to send /text.`,
    nameTimeout: 'Took too long to pick a name.',
    serverFull: 'The server is full; trying again later.',
    shutdown: 'The server is shutting down.',
  },
};

export type Strings = typeof en;

const pt: Strings = {
  appName: 'Chat',
  promptTitle: 'Entre no chat',
  promptIntro: 'Escolha o nome que os outros verão. Usuários do netcat e do navegador dividem a mesma sala.',
  nameLabel: 'Seu nome',
  nameHint: `De 1 a ${NAME_MAX_CHARS} letras, números, _, - ou . (sem espaços)`,
  nameInvalidLive: (bad: string) => `Não permitido: ${bad}`,
  nameTooLong: `No máximo ${NAME_MAX_CHARS} caracteres`,
  join: 'Entrar',
  joining: 'Entrando…',
  nameInvalid: `O servidor recusou este nome: use de 1 a ${NAME_MAX_CHARS} letras, números, _, - ou . (sem espaços).`,
  nameTaken: (n: string) => `O nome ${n} já está em uso. Tente outro.`,
  nameTakenRejoin: (n: string) => `Enquanto você esteve fora, alguém pegou o nome ${n}. Escolha outro para voltar.`,
  pendingKept: (n: number) => (n === 1 ? '1 mensagem espera para ser enviada quando você entrar.' : `${n} mensagens esperam para ser enviadas quando você entrar.`),
  cannotReach: 'Não foi possível falar com o servidor. Tentando de novo…',
  pendingWaiting: (n: number) => (n === 1 ? '1 mensagem aguardando.' : `${n} mensagens aguardando.`),
  status: {
    online: 'Conectado',
    connecting: 'Conectando…',
    reconnecting: 'Reconectando…',
    offline: 'Desconectado',
  },
  retryIn: (s: number) => `Nova tentativa em ${s} s`,
  retryNow: 'Tentar agora',
  offlineBanner: 'Você está sem conexão. O que enviar agora fica guardado e será entregue ao reconectar.',
  messagesLabel: 'Mensagens',
  privateTo: (n: string) => `privado para ${n}`,
  privateFrom: (n: string) => `privado de ${n}`,
  you: 'você',
  pending: 'aguardando envio',
  notDelivered: 'não entregue: usuário não está online',
  joined: (n: string) => `${n} entrou`,
  left: (n: string) => `${n} saiu`,
  onlineNow: (users: string[]) => `Online (${users.length}): ${users.join(', ')}`,
  welcome: (n: string) => `Bem-vindo, ${n}!`,
  reconnected: 'Reconectado.',
  disconnected: 'Conexão perdida.',
  newMessages: (n: number) => (n === 1 ? '1 mensagem nova' : `${n} mensagens novas`),
  showEarlier: 'Mostrar mensagens anteriores',
  empty: 'Nenhuma mensagem ainda. Diga olá!',
  composerLabel: 'Mensagem',
  composerPlaceholder: 'Mensagem para todos — @nome para privado, Tab completa nomes',
  send: 'Enviar',
  willGoPrivately: (n: string) => `Vai em privado para ${n}`,
  bytesLeft: (n: number) => `Restam ${n} bytes`,
  bytesOver: (n: number) => `${n} bytes acima do limite`,
  suggestions: 'Usuários online',
  onlineTitle: 'Online',
  onlineToggle: (n: number) => `Online (${n})`,
  mentionHint: (n: string) => `Escrever para ${n}`,
  enableNotifications: 'Ativar notificações',
  privateFromTitle: (n: string) => `Mensagem privada de ${n}`,
  mentionTitle: (n: string) => `${n} mencionou você`,
  notice: {
    notFound: (n: string) => `Usuário ${n} não está online.`,
    tooLong: (max: number) => `Mensagem muito longa (máximo ${max} bytes).`,
    privateEmpty: 'Mensagem privada vazia: use @nome texto.',
    unknownCommand: (c: string) => `Comando desconhecido: /${c}. Comandos: /users, /quit e //texto para enviar /texto.`,
    nameTimeout: 'Tempo para informar o nome esgotado.',
    serverFull: 'Servidor cheio; tentando de novo mais tarde.',
    shutdown: 'O servidor está encerrando.',
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
    case 'other':
      return n.text;
  }
}
