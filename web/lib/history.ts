/**
 * What I sent before, recalled with ↑/↓ in an empty composer (as in a shell).
 */

/** Lines remembered per page session. */
export const HISTORY_MAX = 100;

export class History {
  private entries: string[] = [];
  /** Position while browsing; entries.length means "not browsing". */
  private index = 0;

  constructor(private readonly max = HISTORY_MAX) {}

  push(line: string): void {
    if (line !== this.entries[this.entries.length - 1]) this.entries.push(line);
    if (this.entries.length > this.max) this.entries.shift();
    this.index = this.entries.length;
  }

  /** Whether ↑/↓ should browse for this composer value (empty, or unchanged since recalled). */
  browsing(value: string): boolean {
    return value === '' || (this.index < this.entries.length && value === this.entries[this.index]);
  }

  /** The older line, or null at the oldest. */
  up(): string | null {
    if (this.index === 0) return null;
    this.index--;
    return this.entries[this.index]!;
  }

  /** The newer line, or '' after the newest (back to an empty composer), or null when not browsing. */
  down(): string | null {
    if (this.index >= this.entries.length) return null;
    this.index++;
    return this.index === this.entries.length ? '' : this.entries[this.index]!;
  }

  reset(): void {
    this.index = this.entries.length;
  }
}
