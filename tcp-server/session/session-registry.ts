/**
 * Resumable sessions by token (docs/PROTOCOL.md, Session resume): which
 * member a token belongs to, its replay buffer, and its grace timer while
 * no connection holds it. Pure bookkeeping: the chat server decides what a
 * resume, a drop or an expiry does to the room. Kept apart from the chat
 * server so a cluster (tcp-server/cluster/) can find sessions the same way.
 */
import { ReplayBuffer } from './replay-buffer.ts';
import { newToken, sameToken, tokenLookupKey } from './token.ts';

export interface SessionOptions {
  /** How long a session without a connection waits for a resume; 0: sessions are off. */
  graceMs: number;
  /** The replay buffer's budget in bytes. */
  bufferBytes: number;
  /** Put at the end of every token (a cluster node's CHAT_NODE_NAME); '' for none (the single server). */
  tokenTag?: string;
}

export class Session<H> {
  readonly replay: ReplayBuffer;
  /** Whoever receives the session's lines now: its connection, or a stand-in while it has none. */
  holder: H;
  /** Running while no connection holds the session. */
  graceTimer: NodeJS.Timeout | null = null;

  constructor(
    /** Never logged. */
    readonly token: string,
    readonly lookupKey: string,
    readonly name: string,
    readonly key: string,
    readonly ids: boolean,
    readonly labels: boolean,
    holder: H,
    bufferBytes: number,
  ) {
    this.holder = holder;
    this.replay = new ReplayBuffer(bufferBytes);
  }
}

/** SessionRegistry.stats(). */
export interface SessionStats {
  /** Sessions alive, with a connection or waiting for one. */
  sessions: number;
  /** Sessions whose connection dropped, waiting (within the grace) for a resume. */
  detached: number;
  /** Bytes of the lines kept for a resume (ReplayBuffer.bytes summed: shared log chunks counted per session). */
  heldBytes: number;
}

export class SessionRegistry<H> {
  private readonly sessions = new Map<string, Session<H>>();

  constructor(readonly options: SessionOptions) {}

  /** Whether resuming is on (CHAT_RESUME_GRACE_MS > 0). */
  get enabled(): boolean {
    return this.options.graceMs > 0;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** A new session with a fresh token for a member that just joined. */
  open(member: { name: string; key: string; ids: boolean; labels: boolean }, holder: H): Session<H> {
    const token = newToken(this.options.tokenTag);
    const session = new Session(token, tokenLookupKey(token), member.name, member.key, member.ids, member.labels, holder, this.options.bufferBytes);
    this.sessions.set(session.lookupKey, session);
    return session;
  }

  /** The live session with this token, if any (never another one). */
  find(token: string): Session<H> | undefined {
    const session = this.sessions.get(tokenLookupKey(token));
    return session !== undefined && sameToken(session.token, token) ? session : undefined;
  }

  /** Starts the grace: `onExpire` runs once if no connection takes the session back first. */
  startGrace(session: Session<H>, onExpire: () => void): void {
    this.stopGrace(session);
    session.graceTimer = setTimeout(() => {
      session.graceTimer = null;
      onExpire();
    }, this.options.graceMs);
  }

  stopGrace(session: Session<H>): void {
    if (session.graceTimer !== null) clearTimeout(session.graceTimer);
    session.graceTimer = null;
  }

  /** The session is over: its token is unknown from now on and its lines are let go. */
  end(session: Session<H>): void {
    this.stopGrace(session);
    if (this.sessions.get(session.lookupKey) === session) this.sessions.delete(session.lookupKey);
    session.replay.clear();
  }

  /**
   * Forgets, in every connected session, the lines written more than the
   * grace ago: a connection still open by now has received them (a drop is
   * noticed well within the grace), so idle sessions hold nothing.
   */
  forgetDelivered(now = Date.now()): void {
    const before = now - this.options.graceMs;
    for (const session of this.sessions.values()) session.replay.forgetBefore(before);
  }

  /** Ends every session (the server stops). */
  endAll(): void {
    for (const session of [...this.sessions.values()]) this.end(session);
  }

  /**
   * What the sessions hold now, for the metrics (read when scraped, so a
   * walk over the sessions is fine: never on a chat line's path).
   */
  stats(): SessionStats {
    let detached = 0;
    let heldBytes = 0;
    for (const session of this.sessions.values()) {
      if (session.graceTimer !== null) detached++;
      heldBytes += session.replay.bytes;
    }
    return { sessions: this.sessions.size, detached, heldBytes };
  }

  /** Whether the session is still live (not ended). */
  has(session: Session<H>): boolean {
    return this.sessions.get(session.lookupKey) === session;
  }
}
