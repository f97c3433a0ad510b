/**
 * Trainers announce their run's queue in one sorted set (score: Redis's own clock, so hosts' clocks never matter);
 * workers read the queues announced in the last ANNOUNCE_TTL_MS and serve them. Plain Redis commands, no code.
 */
import { ANNOUNCE_TTL_MS, RUNS_KEY } from './connection.js';

interface CommandClient {
  runCommand(name: string, args: unknown[]): Promise<unknown>;
}

const NOW_MS = "local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000);";

export async function announceQueue(client: CommandClient, name: string): Promise<void> {
  await client.runCommand('eval', [
    `${NOW_MS} redis.call('ZADD', KEYS[1], now, ARGV[1]); return now`,
    1,
    RUNS_KEY,
    name,
  ]);
}

export async function withdrawQueue(client: CommandClient, name: string): Promise<void> {
  await client.runCommand('zrem', [RUNS_KEY, name]);
}

/** The queues announced recently (older entries are dropped from the set on the way). */
export async function announcedQueues(client: CommandClient): Promise<string[]> {
  const names = await client.runCommand('eval', [
    `${NOW_MS} redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]));` +
      " return redis.call('ZRANGE', KEYS[1], 0, -1)",
    1,
    RUNS_KEY,
    ANNOUNCE_TTL_MS,
  ]);
  return Array.isArray(names) ? names.map(String) : [];
}
