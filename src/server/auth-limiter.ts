/** How many failed authentications a client address may make per window. */
export interface FailedAuthLimit {
  /** Failures allowed per window; the next request of that address gets a 429 until it ends. */
  max: number;
  windowMs: number;
}

const defaultFailedAuthLimit: FailedAuthLimit = {
  max: 50,
  windowMs: 60_000,
};

/** Addresses remembered at most; the least recently seen go first. */
const maxAddresses = 10_000;

/**
 * Counts failed authentications per client address in fixed windows. Pure: the caller passes
 * the time. An address over the limit is refused before its credential is looked at, so a flood
 * of made-up keys costs no store lookups (issue 10 item 8).
 */
export class FailedAuthLimiter {
  readonly #limit: FailedAuthLimit;
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(limit: FailedAuthLimit = defaultFailedAuthLimit) {
    this.#limit = limit;
  }

  /** Milliseconds until `address` may try again, or 0 when it may now. */
  retryAfterMs(address: string, now: number): number {
    const window = this.#windows.get(address);
    if (!window) return 0;
    const end = window.start + this.#limit.windowMs;
    if (now >= end) {
      this.#windows.delete(address);
      return 0;
    }
    return window.failures >= this.#limit.max ? end - now : 0;
  }

  /** Notes one failed authentication of `address`. */
  fail(address: string, now: number): void {
    let window = this.#windows.get(address);
    if (!window || now >= window.start + this.#limit.windowMs)
      window = { start: now, failures: 0 };
    window.failures += 1;
    // Re-inserted, so the map's first entry is always the least recently failing address.
    this.#windows.delete(address);
    this.#windows.set(address, window);
    if (this.#windows.size > maxAddresses)
      this.#windows.delete(this.#windows.keys().next().value!);
  }
}
