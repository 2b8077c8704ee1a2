/**
 * Lines typed while the chat is not joined (offline, reconnecting, or asking
 * for a new name) wait here, in order, and are sent after the rejoin.
 */
export interface Pending {
  /** The message item that shows this line in the list. */
  id: number;
  line: string;
}

export class Outbox {
  private queue: Pending[] = [];

  get size(): number {
    return this.queue.length;
  }

  add(id: number, line: string): void {
    this.queue.push({ id, line });
  }

  /** Lines that went out but never reached the server go back first, in their order. */
  requeue(lines: readonly Pending[]): void {
    this.queue.unshift(...lines);
  }

  /**
   * Sends waiting lines in order while `send` accepts them; returns those
   * sent. A refused line stays first in the queue, so nothing is lost or reordered.
   */
  flush(send: (line: string) => boolean): Pending[] {
    const sent: Pending[] = [];
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (!send(next.line)) break;
      sent.push(this.queue.shift()!);
    }
    return sent;
  }
}
