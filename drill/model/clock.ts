/**
 * Virtual time for the Azure model. Every timing in the model (provisioning, activation, cold
 * starts, ingestion lag, role propagation, generated traffic) reads a `VirtualClock`; nothing in
 * the model reads the real clock or sleeps for real.
 */

/** A source of the current virtual time. */
export interface VirtualClock {
  /** Epoch milliseconds. */
  now(): number;
}

/** The default start of virtual time: the morning of the rehearsed release. */
export const DEFAULT_START_MS = Date.parse("2026-11-29T10:00:00Z");

/** A clock that moves only when told to. */
export class ManualClock implements VirtualClock {
  private current: number;

  constructor(startMs: number = DEFAULT_START_MS) {
    if (!Number.isFinite(startMs)) {
      throw new RangeError(`ManualClock start must be a finite epoch ms, got ${startMs}`);
    }
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualClock.advance needs a finite ms >= 0, got ${ms}`);
    }
    this.current += ms;
  }

  /** Advances virtual time by ms and resolves at once (never waits for real). Honors an aborted signal by rejecting with signal.reason. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) {
      return Promise.reject(signal.reason);
    }
    try {
      this.advance(ms);
    } catch (err) {
      return Promise.reject(err);
    }
    return Promise.resolve();
  }
}
