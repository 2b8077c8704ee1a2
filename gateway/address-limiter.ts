/** Counts open sockets per client address, refusing those over the cap. */
export class AddressLimiter {
  private readonly counts = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Whether a new socket from `address` would still be within the cap. */
  hasRoom(address: string): boolean {
    return (this.counts.get(address) ?? 0) < this.max;
  }

  /** Counts a socket in; false (and nothing counted) if over the cap. */
  acquire(address: string): boolean {
    const n = this.counts.get(address) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = this.counts.get(address) ?? 0;
    if (n <= 1) this.counts.delete(address);
    else this.counts.set(address, n - 1);
  }
}
