/**
 * The room link the settings ask for: without CHAT_REDIS_URL the single
 * server's (in process), with it a node of the cluster on that Redis.
 */
import type { HistoryStore } from '../history/history-store.ts';
import type { ClusterConfig } from './cluster-config.ts';
import { LocalRoomLink } from './local-room-link.ts';
import { RedisRoomLink } from './redis-room-link.ts';
import type { RoomLink } from './room-link.ts';

export function openRoomLink<T>(
  cluster: ClusterConfig,
  history: HistoryStore,
  historyMax: number,
  log: (line: string) => void = () => {},
): RoomLink<T> {
  if (cluster.redisUrl === '') return new LocalRoomLink<T>(history);
  return new RedisRoomLink<T>({
    url: cluster.redisUrl,
    history,
    historyMax,
    bufferBytes: cluster.bufferBytes,
    nodeName: cluster.nodeName,
    heartbeatMs: cluster.heartbeatMs,
    nodeTtlMs: cluster.nodeTtlMs,
    log,
  });
}
