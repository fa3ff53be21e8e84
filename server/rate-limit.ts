/**
 * Token buckets: each key (a socket id, an IP address) may spend `burst` requests at once and
 * regains `perSecond` per second. Idle keys are forgotten, so the map stays small.
 */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(private readonly limit: RateLimit, private readonly now: () => number = Date.now) {
    this.tokens = limit.burst;
    this.updated = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((t - this.updated) / 1000) * this.limit.perSecond);
    this.updated = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Seconds until the next token. */
  retryAfter(): number {
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.limit.perSecond);
  }

  /** Full again (it can be forgotten without changing behaviour). */
  get full(): boolean {
    return this.tokens + ((this.now() - this.updated) / 1000) * this.limit.perSecond >= this.limit.burst;
  }
}

export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limit: RateLimit, private readonly now: () => number = Date.now) {}

  /** Takes one token for `key`; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= 10_000) this.prune();
      bucket = new TokenBucket(this.limit, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket.take() ? 0 : Math.max(1, bucket.retryAfter());
  }

  private prune(): void {
    for (const [key, bucket] of this.buckets) if (bucket.full) this.buckets.delete(key);
  }
}
