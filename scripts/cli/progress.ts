/**
 * Progress of long work (a release waiting for Azure, a benchmark's runs). On a terminal the
 * progress line rewrites itself in place and a permanent line first clears it; anywhere else
 * (CI logs, files, pipes) every update is a plain line of its own, exactly as given.
 */

/** Where progress is written: `process.stdout`, `process.stderr`, or a fake in tests. */
export interface TextStream {
  /** True on a terminal (Node sets it on TTY streams). */
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Carriage return and "erase the whole line" (ECMA-48 EL 2). */
export const CLEAR_LINE = "\r\x1b[2K";

/** One progress line over a stream. */
export class Progress {
  private showing = false;

  constructor(private readonly stream: TextStream) {}

  /** True when updates rewrite one line (a terminal). */
  get rewrites(): boolean {
    return this.stream.isTTY === true;
  }

  /** Shows what is going on now: replaces the previous update on a terminal. */
  update(text: string): void {
    if (this.rewrites) {
      this.stream.write(`${CLEAR_LINE}${text}`);
      this.showing = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Ends the progress line, so that what is printed next starts on a clean line. */
  clear(): void {
    if (this.showing) {
      this.stream.write(CLEAR_LINE);
      this.showing = false;
    }
  }

  /** Writes text as it is (after `clear()` when it must not join the progress line). */
  raw(text: string): void {
    this.stream.write(text);
  }

  /** Prints a permanent line (after clearing the progress line). */
  line(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }
}

/** `75` -> `1m15s`, `9` -> `9s`. */
export function formatSeconds(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes}m${String(whole % 60).padStart(2, "0")}s` : `${whole}s`;
}

/**
 * The engine's lines that describe a wait, and how long is left: `(15s of 600s)` (a bounded
 * wait: the rest of the bound), `retry in 10s` / `restarting it in 15s` / `waiting 30s` (the next
 * attempt). Undefined for a line that is not a wait.
 */
export function waitRemaining(line: string): string | undefined {
  const bounded = /\((\d+)s of (\d+)s\)\s*$/.exec(line);
  if (bounded !== null) {
    return `up to ${formatSeconds(Number(bounded[2]) - Number(bounded[1]))} left`;
  }
  const next = /\b(?:retry(?: \d+\/\d+)? in|restarting it in|waiting) (\d+)s\b/.exec(line);
  if (next !== null) {
    return `next attempt in ${formatSeconds(Number(next[1]))}`;
  }
  return /^waiting for /.test(line) ? "waiting" : undefined;
}

/**
 * The release engine's Reporter over a terminal: a line that describes a wait (see
 * `waitRemaining`) becomes the progress line, followed by how long is left; every other line is
 * permanent. Errors go to `err` after clearing the progress line. Off a terminal every line is
 * printed as the engine wrote it.
 */
export class ProgressReporter {
  private readonly progress: Progress;

  constructor(
    out: TextStream,
    private readonly err: TextStream,
  ) {
    this.progress = new Progress(out);
  }

  info(line: string): void {
    const left = this.progress.rewrites ? waitRemaining(line) : undefined;
    if (left === undefined) {
      this.progress.line(line);
    } else {
      this.progress.update(`${line} [${left}]`);
    }
  }

  error(line: string): void {
    this.progress.clear();
    this.err.write(`${line}\n`);
  }

  /** Other output on the same stream (the Pulumi CLI's): clears the progress line first. */
  write(text: string): void {
    this.progress.clear();
    this.progress.raw(text);
  }
}
