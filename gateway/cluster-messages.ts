/**
 * What a gateway worker asks its primary, over node:cluster's IPC channel:
 * what must be one for the whole gateway (the chat-server probes of
 * /healthz, /metrics summed over the workers). Types are prefixed so they
 * never meet prom-client's own cluster messages on the same channel.
 */
import type { NodeHealth } from './upstream-probe.ts';

export interface Asked {
  nodeStates: NodeHealth[];
  metricsText: string;
}

export type Question = keyof Asked;

export interface AskMessage {
  type: 'gateway:ask';
  id: number;
  question: Question;
}

export type AnswerMessage =
  | { type: 'gateway:answer'; id: number; ok: true; value: Asked[Question] }
  | { type: 'gateway:answer'; id: number; ok: false; error: string };

export function isAsk(message: unknown): message is AskMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'gateway:ask';
}

export function isAnswer(message: unknown): message is AnswerMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'gateway:answer';
}
