/**
 * What I typed and the server has not confirmed yet, in order. A line waits
 * here while the chat is not joined (offline, reconnecting, asking for a new
 * name). With labels on (docs/PROTOCOL.md, `labels`) a chat line stays after
 * it is sent, until its `+ack … <label>` confirms it: after a new connection
 * every unconfirmed line is sent again, same labels, same order, and the
 * server (which remembers labels) processes each one once. Commands, and
 * every line when labels are off, leave as soon as they are sent.
 */
import { labelLine } from '../../protocol/index.ts';

export interface Pending {
  /** The message item that shows this line in the list (0: none, e.g. a command). */
  id: number;
  /** The line as typed. */
  line: string;
  /** Its label, kept across resends; none for commands. */
  label?: string;
}

interface Entry extends Pending {
  /** Sent on the current connection, waiting for its confirmation. */
  sent?: boolean;
}

export class Outbox {
  private queue: Entry[] = [];

  /** Lines not confirmed (sent or not). */
  get size(): number {
    return this.queue.length;
  }

  /** Lines not sent on this connection. */
  get waiting(): number {
    return this.queue.reduce((n, e) => (e.sent ? n : n + 1), 0);
  }

  add(id: number, line: string, label?: string): void {
    this.queue.push(label === undefined ? { id, line } : { id, line, label });
  }

  /** Lines that went out but never reached the server go back first, in their order. */
  requeue(lines: readonly Pending[]): void {
    this.queue.unshift(...lines);
  }

  /**
   * Sends waiting lines in order while `send` accepts them; returns those
   * sent. A refused line stays waiting, so nothing is lost or reordered.
   * `labelled`: this connection has labels on, so labelled lines go as
   * `/label <label> <line>` and stay until confirmed.
   */
  flush(send: (line: string) => boolean, labelled = false): Pending[] {
    const sent: Pending[] = [];
    const kept: Entry[] = [];
    let i = 0;
    for (; i < this.queue.length; i++) {
      const next = this.queue[i]!;
      if (next.sent) {
        kept.push(next);
        continue;
      }
      const keep = labelled && next.label !== undefined;
      if (!send(keep ? labelLine(next.label!, next.line) : next.line)) break;
      sent.push(plain(next));
      if (keep) kept.push({ ...next, sent: true });
    }
    this.queue = kept.concat(this.queue.slice(i));
    return sent;
  }

  /** The server confirmed `label`: the line leaves; returns it (undefined: not waiting, e.g. confirmed already). */
  confirm(label: string): Pending | undefined {
    const i = this.queue.findIndex((e) => e.label === label);
    if (i < 0) return undefined;
    return plain(this.queue.splice(i, 1)[0]!);
  }

  /** The line's message item moved (and got a new id). */
  move(label: string, id: number): void {
    const e = this.queue.find((e) => e.label === label);
    if (e) e.id = id;
  }

  /** A new connection: every unconfirmed line is to be sent again, in its order. */
  unsend(): void {
    this.queue = this.queue.map(plain);
  }

  /** Every unconfirmed line, in order (to keep them across a reload). */
  lines(): Pending[] {
    return this.queue.map(plain);
  }
}

function plain({ id, line, label }: Entry): Pending {
  return label === undefined ? { id, line } : { id, line, label };
}
