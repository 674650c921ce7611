/**
 * Release notifications: deploy, each promotion step, a finished promotion, every rollback
 * (automatic or by command) and every failed command are posted to the stack's webhook.
 *
 * A notification never fails or holds up a release: the engine hands each event to a queue and
 * goes on at once (a slow webhook never delays a rollback); the queue posts them in order, and a
 * post that fails is a warning. When the command ends, the queue gets a bounded time
 * (`NOTIFY_FLUSH_MS`) to deliver what is left; what is still unsent then is named in a warning.
 */
import {
  ReleaseDeps,
  ReleaseEventKind,
  ReleaseNotification,
  Notifier,
  NotifiedSlot,
  Reporter,
} from "./ports";
import { ReleaseState, Slot, slotWeight } from "./state";

/** How long a finished command waits for its last notifications to be delivered. */
export const NOTIFY_FLUSH_MS = 20_000;

/** What an event says besides the release state. */
export interface EventDetails {
  readonly version: string | undefined;
  readonly text: string;
  readonly reason?: string;
  readonly exitCode?: number;
  readonly step?: number;
}

function slotOf(release: ReleaseState | undefined, slot: Slot): NotifiedSlot | null {
  const state = release?.[slot];
  if (state === undefined) {
    return null;
  }
  return {
    version: state.version,
    image: state.image,
    ...(state.revision === undefined ? {} : { revision: state.revision }),
  };
}

/** The notification of an event on `stack`, with `release` as the stack file now records it. */
export function releaseNotification(
  event: ReleaseEventKind,
  stack: string,
  release: ReleaseState | undefined,
  details: EventDetails,
  nowMs: number,
): ReleaseNotification {
  const weight = (slot: Slot) =>
    release === undefined || release[slot] === undefined ? 0 : slotWeight(release, slot);
  return {
    event,
    stack,
    version: details.version ?? null,
    slots: {
      live: release?.live ?? null,
      blue: slotOf(release, "blue"),
      green: slotOf(release, "green"),
    },
    traffic: { blue: weight("blue"), green: weight("green") },
    reason: details.reason ?? null,
    ...(details.exitCode === undefined ? {} : { exitCode: details.exitCode }),
    ...(details.step === undefined ? {} : { step: details.step }),
    timestamp: new Date(nowMs).toISOString(),
    text: `[${stack}] ${details.text}`,
  };
}

/**
 * Hands an event to the command's notifier without waiting for it (the queue posts it later).
 * A notifier that rejects is reported as a warning.
 */
export function announce(
  deps: Pick<ReleaseDeps, "notifier" | "report" | "clock">,
  event: ReleaseEventKind,
  stack: string,
  release: ReleaseState | undefined,
  details: EventDetails,
): void {
  const notifier = deps.notifier;
  if (notifier === undefined) {
    return;
  }
  const notification = releaseNotification(event, stack, release, details, deps.clock.now());
  notifier.send(notification).catch((err: unknown) => warn(deps.report, notification, err));
}

function warn(report: Reporter, notification: ReleaseNotification, err: unknown): void {
  report.error(
    `warning: the ${notification.event} notification was not delivered (${(err as Error).message}); the release goes on`,
  );
}

/**
 * The engine's notifier for one command: `send` queues and returns at once; the events are posted
 * one after another, in order, through `target`. A failed post is a warning.
 */
export class NotificationQueue implements Notifier {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly target: Notifier,
    private readonly report: Reporter,
  ) {}

  /** The events queued so far, in order. */
  readonly events: ReleaseNotification["event"][] = [];

  send(notification: ReleaseNotification): Promise<void> {
    this.events.push(notification.event);
    this.pending++;
    this.tail = this.tail.then(async () => {
      try {
        await this.target.send(notification);
      } catch (err) {
        warn(this.report, notification, err);
      } finally {
        this.pending--;
      }
    });
    return Promise.resolve();
  }

  /**
   * Waits until every queued event is posted, at most `maxMs` (real time: the posts are real
   * requests); returns how many were still unsent then.
   */
  async flush(maxMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
    });
    try {
      await Promise.race([this.tail, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (this.pending > 0) {
      this.report.error(
        `warning: ${this.pending} release notification(s) not delivered within ${Math.round(maxMs / 1000)}s; the release is not affected`,
      );
    }
    return this.pending;
  }
}
