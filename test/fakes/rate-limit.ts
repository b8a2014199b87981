/** A fake's optional request rate: beyond it the fake answers its provider's rate-limit error. */
export interface RateLimitOption {
  /** Requests per second taken; a burst of this many is taken at once from idle. */
  perSecond: number;
}

export interface RateLimiter {
  /** Takes one request: true when it is within the rate (always without a limit); false counts a refusal. */
  admit(): boolean;
  /** Whole seconds until the next request would be taken (for Retry-After), at least 1. */
  retryAfterSeconds(): number;
  /** Requests refused so far. */
  readonly refused: number;
}

/**
 * A token bucket holding `perSecond` tokens, refilled continuously at `perSecond` per second, as
 * providers meter requests: a fake given `rateLimit` answers beyond it what its provider answers
 * (429 and the provider's body), and counts each. Without an option every request is taken.
 */
export function createRateLimiter(option: RateLimitOption | undefined): RateLimiter {
  if (option && !(option.perSecond > 0)) throw new Error(`rateLimit.perSecond must be positive (got ${option.perSecond})`);
  const capacity = option ? Math.max(1, option.perSecond) : 0;
  let tokens = capacity;
  let updated = performance.now();
  let refused = 0;
  const refill = () => {
    const now = performance.now();
    if (option) tokens = Math.min(capacity, tokens + ((now - updated) / 1000) * option.perSecond);
    updated = now;
  };
  return {
    admit() {
      if (!option) return true;
      refill();
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      refused += 1;
      return false;
    },
    retryAfterSeconds() {
      if (!option) return 1;
      refill();
      return Math.max(1, Math.ceil((1 - tokens) / option.perSecond));
    },
    get refused() {
      return refused;
    },
  };
}
