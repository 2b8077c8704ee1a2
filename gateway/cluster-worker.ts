/**
 * A gateway worker's side of node:cluster: it asks its primary for what all
 * workers share (gateway/cluster-primary.ts answers), and hands its own
 * metrics to prom-client's aggregation.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { SharedServices } from './app.ts';
import { type Asked, type AskMessage, isAnswer, type Question } from './cluster-messages.ts';

/** Answers to questions in flight, by id. */
const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
let nextId = 0;
let listening = false;

function ask<Q extends Question>(question: Q, timeoutMs: number): Promise<Asked[Q]> {
  if (!listening) {
    listening = true;
    process.on('message', (message: unknown) => {
      if (!isAnswer(message)) return;
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.value);
      else waiter?.reject(new Error(message.error));
    });
  }
  return new Promise<Asked[Q]>((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`the primary did not answer ${question} within ${timeoutMs} ms`));
    }, timeoutMs);
    pending.set(id, {
      resolve: (value) => {
        clearTimeout(timer);
        resolve(value as Asked[Q]);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    const message: AskMessage = { type: 'gateway:ask', id, question };
    process.send!(message);
  });
}

/**
 * A worker's shared services. `timeoutMs` bounds each question: the
 * primary's slowest answer is a probe (UPSTREAM_TIMEOUT_MS) or
 * prom-client's collection from every worker (its own 5 s limit).
 */
export function workerServices(timeoutMs: number): SharedServices {
  return {
    nodeStates: () => ask('nodeStates', timeoutMs),
    metricsText: () => ask('metricsText', timeoutMs),
    offerMetrics(registry: Registry) {
      // Constructing one makes this process answer the primary's metric requests.
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([registry]);
    },
  };
}
