/**
 * Who gets a browser socket: at most `maxSockets` in all (each costs two
 * descriptors, its WebSocket and its upstream connection) and at most
 * `maxPerAddress` from one client address. A place is taken in one step
 * before the upgrade and given back when the socket closes, so two
 * handshakes arriving together cannot both take the last one.
 */
export type Admission = 'admitted' | 'full' | 'address-full';

export class SocketAdmission {
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(
    readonly maxSockets: number,
    readonly maxPerAddress: number,
  ) {}

  /** Sockets admitted and not yet released. */
  get count(): number {
    return this.total;
  }

  /** Whether a new browser would be refused for want of room (the `"gateway": "full"` of /healthz). */
  get isFull(): boolean {
    return this.total >= this.maxSockets;
  }

  /** Takes a place for a socket from `address`, unless one of the caps is reached. */
  admit(address: string): Admission {
    if (this.isFull) return 'full';
    const n = this.perAddress.get(address) ?? 0;
    if (n >= this.maxPerAddress) return 'address-full';
    this.perAddress.set(address, n + 1);
    this.total++;
    return 'admitted';
  }

  /** Gives back the place `admit` took; call once per admitted socket. */
  release(address: string): void {
    const n = this.perAddress.get(address) ?? 0;
    if (n === 0) return;
    if (n === 1) this.perAddress.delete(address);
    else this.perAddress.set(address, n - 1);
    this.total--;
  }
}
