// Progress line on stderr: done/total, rate, ETA, cache hits, calls, shared calls, errors.
// On a TTY one line is redrawn in place (\r) at most every 100 ms; otherwise (CI, Framework
// loaders, pipes) a plain line is printed every `intervalMs` (default 5 s) so logs stay short.
// Never writes to stdout.
import {netStatus, type NetStatus} from "./client/transport.ts";
import type {RunProgress} from "./run/index.ts";

export interface ProgressOptions {
  label?: string;
  stream?: NodeJS.WriteStream | {write(s: string): boolean; isTTY?: boolean};
  /** Non-TTY line interval, ms. */
  intervalMs?: number;
  /** Force TTY behaviour on or off (default: stream.isTTY). */
  tty?: boolean;
}

/** "1.2k", "35", "12.3M" */
export function compact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return (n / 1e3).toFixed(n < 1e4 ? 1 : 0) + "k";
  return (n / 1e6).toFixed(1) + "M";
}

/** "45s", "3m05s", "1h02m"; "?" for non-finite. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

/** Calls in flight this long are shown with their age (a server that hangs is visible). */
export const SLOW_CALL_MS = 10_000;

/**
 * One progress line. Rate counts units (samples + judge calls) per second of elapsed time. With
 * `net` (the transport's status), also: a server's Retry-After being waited out, calls in flight
 * for more than SLOW_CALL_MS, and client timeouts so far, so a run that waits is never just "0/s".
 */
export function formatProgress(p: RunProgress, label = "", net?: NetStatus): string {
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? p.done / secs : 0;
  const pct = p.total ? Math.floor((100 * p.done) / p.total) : 100;
  const eta = rate > 0 ? (p.total - p.done) / rate : Infinity;
  const parts = [
    `${label ? label + " " : ""}${compact(p.done)}/${compact(p.total)} (${pct}%)`,
    `${compact(rate)}/s`,
    `ETA ${p.done >= p.total ? "0s" : duration(eta)}`,
    `cache ${compact(p.cacheHits)}`,
    `calls ${compact(p.apiCalls)}`,
  ];
  // Requests answered by an identical call in flight: shown only when there are some.
  if (p.coalesced) parts.push(`shared ${compact(p.coalesced)}`);
  parts.push(`errors ${compact(p.errors)}`);
  if (p.missing) parts.push(`missing ${compact(p.missing)}`);
  if (net && p.done < p.total) {
    if (net.retryStatus !== null) parts.push(`waiting: HTTP ${net.retryStatus} Retry-After, ${duration(net.retryLeftMs / 1000)} left`);
    if (net.oldestMs >= SLOW_CALL_MS) parts.push(`${net.inFlight} in flight, oldest ${duration(net.oldestMs / 1000)}`);
    if (net.timeouts) parts.push(`timeouts ${compact(net.timeouts)}`);
  }
  return parts.join(" | ");
}

/** A throttled progress renderer; pass `update` as runExperiment's onProgress and call `end()` after. */
export class ProgressLine {
  private last = 0;
  private lastText = "";
  private drawn = false;
  private readonly stream: NonNullable<ProgressOptions["stream"]>;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private latest: RunProgress | null = null;
  /** Redraws while nothing arrives (a Retry-After wait, a hanging server), so the line never freezes. */
  private timer: ReturnType<typeof setInterval> | null = null;
  private elapsedAt = 0;
  constructor(private readonly opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? !!this.stream.isTTY;
    this.intervalMs = opts.intervalMs ?? 5000;
  }

  update = (p: RunProgress): void => {
    this.latest = p;
    this.elapsedAt = Date.now();
    if (!this.timer) {
      this.timer = setInterval(() => this.idle(), this.tty ? 1000 : this.intervalMs);
      this.timer.unref();
    }
    const now = Date.now();
    if (now - this.last < (this.tty ? 100 : this.intervalMs)) return;
    this.last = now;
    this.render(p);
  };

  /** No update for a while: redraw with the elapsed time moved on and the network status. */
  private idle(): void {
    const p = this.latest;
    if (!p || Date.now() - this.last < (this.tty ? 1000 : this.intervalMs)) return;
    this.last = Date.now();
    this.render({...p, elapsedMs: p.elapsedMs + (Date.now() - this.elapsedAt)});
  }

  private render(p: RunProgress): void {
    const text = formatProgress(p, this.opts.label, netStatus());
    if (this.tty) {
      this.stream.write("\r" + text.padEnd(this.lastText.length) + "\x1b[K");
      this.drawn = true;
    } else if (text !== this.lastText) this.stream.write(text + "\n");
    this.lastText = text;
  }

  /** Print the final state and finish the line. */
  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.latest) {
      this.last = 0;
      this.render(this.latest);
    }
    if (this.tty && this.drawn) this.stream.write("\n");
  }
}
