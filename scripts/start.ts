/**
 * `npm start`: the chat server and the gateway as two processes (the
 * gateway's own workers, GATEWAY_WORKERS, are its business).
 *
 * Two processes so a gateway crash never takes the chat down: a child that
 * dies on its own after it was up is started again after a short pause (one
 * that cannot even start, say on a busy port, stops everything with its
 * error).
 *
 * Stopping (Ctrl-C, SIGTERM): the chat server first and the gateway only
 * once it has exited, so the chat server's farewell (`Servidor encerrando.`)
 * still reaches every browser through a gateway that is still there (with
 * workers, the gateway's primary passes the stop on to each of them). When
 * the signal reaches the whole process group at once (Ctrl-C in a
 * terminal), the gateway gets it at the same time as the chat server; it
 * then keeps relaying until the chat server has closed its connections
 * (gateway/ws-plugin.ts). The launcher exits once both have, and kills
 * whatever is still running after STOP_DEADLINE_MS.
 */
import { CHAT_READY_RE, GATEWAY_READY_RE } from '../common/ready-lines.ts';
import { type ChildSpec, Launcher, nodeEntry } from './launcher.ts';

let chatPort: string | undefined;

const chat: ChildSpec = {
  name: 'tcp-server',
  command: nodeEntry('tcp-server/main.ts'),
  ready: CHAT_READY_RE,
  // After a restart the chat server keeps the port it had (CHAT_PORT may be 0).
  env: () => (chatPort === undefined ? {} : { CHAT_PORT: chatPort }),
  onReady: (m) => {
    if (chatPort !== undefined || launcher.isStopping) return;
    chatPort = m[2]!;
    launcher.start(gateway);
  },
};
const gateway: ChildSpec = {
  name: 'gateway',
  command: nodeEntry('gateway/main.ts'),
  ready: GATEWAY_READY_RE,
  // The chat server started here, whatever CHAT_SERVERS says (empty: CHAT_HOST:CHAT_PORT).
  // GATEWAY_WORKERS passes through: the gateway then runs that many workers under its primary.
  env: () => ({ CHAT_PORT: chatPort!, CHAT_SERVERS: '' }),
};

const launcher = new Launcher({
  tag: 'start',
  prefixOutput: false,
  // The chat server while it runs, then the gateway.
  stopStages: (running) => (running.has(chat) ? [chat] : [gateway]),
  /**
   * Everything is gone within 5 s of the signal: the chat server takes at most
   * its 2 s shutdown grace, the gateway at most its close grace after it.
   */
  stopDeadlineMs: 4500,
});
launcher.start(chat);
