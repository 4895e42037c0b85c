// polite-fetch/redis: one quota across processes and machines, on Redis.

/** What `redisQuota` returns: give it to `new Client({ shareAcross })`. */
export interface RedisQuota {
  /** Called by the client; not for apps. */
  join(quota: unknown, windows: number[], adaptive?: boolean): unknown;
}

/**
 * A quota shared through Redis by every client, in any process or machine, made with the same Redis and `name`:
 * a 429's cooldown, the server's window (every process's requests in flight counted), configured pacing. `redis` is
 * a connected ioredis client or a node-redis (`redis` v4 or later) client. Throws a TypeError for anything else, a
 * client that is not connected, or a name that is not a non-empty string.
 */
export function redisQuota(redis: object, name: string): RedisQuota;
