/**
 * Prometheus metrics whose numbers are read when scraped, for the chat
 * server's and the gateway's registries alike: the hot path only bumps
 * plain fields, and prom-client reads them in collect() (no prom-client
 * call per line).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ScrapedMetrics {
  /** A counter whose total is `read()` at scrape time. */
  counter(name: string, help: string, read: () => number): Counter;
  /** Counters by one label, each `read()[value]` at scrape time. */
  labelled<L extends string>(name: string, help: string, label: L, read: () => Record<string, number>): Counter<L>;
  /** A gauge whose value is `read()` at scrape time. */
  gauge(name: string, help: string, read: () => number): Gauge;
}

export function scrapedMetrics(registry: Registry): ScrapedMetrics {
  const registers = [registry];
  return {
    counter: (name, help, read) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      }),
    labelled: <L extends string>(name: string, help: string, label: L, read: () => Record<string, number>) =>
      new Counter<L>({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          this.reset();
          for (const [value, n] of Object.entries(read())) this.inc({ [label]: value } as Record<L, string>, n);
        },
      }),
    gauge: (name, help, read) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      }),
  };
}
