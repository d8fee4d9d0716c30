// Faults on demand, for testing the pipeline's retries and error accounting.
// A fault is chosen per request either by the `x-sim-fault: <kind>` header (always fires) or by the
// configured rate. Rate-based faults are deterministic for a seed: the draw is a hash of (seed,
// request body, how many times this server has seen that body), so the n-th attempt of a given request
// always meets the same fate regardless of concurrency, and a retry gets a fresh draw.
import {unit} from "./rng.ts";

const FAULT_KINDS = ["429", "500", "503", "reset", "hang", "stall", "malformed", "nologprobs"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Kinds drawn when a config gives a rate but no kinds. "stall" (headers and half a body, then
 * nothing) is left out: the openai SDK's timeout stops at the headers, so a client needs its own
 * overall deadline to survive it; ask for it explicitly.
 */
const DEFAULT_FAULT_KINDS: FaultKind[] = ["429", "500", "503", "reset", "hang", "malformed", "nologprobs"];

export interface FaultConfig {
  /** Probability 0..1 that a chat completion request fails (default 0). */
  rate?: number;
  /** Kinds to draw from, uniformly (default DEFAULT_FAULT_KINDS). */
  kinds?: FaultKind[];
  /** Seed of the fault draws (default 0). */
  seed?: number;
  /** Retry hint sent with 429 and 503, in ms (default 200): `retry-after-ms` and a rounded-up `retry-after` in seconds. */
  retryAfterMs?: number;
  /** Only the first `maxPerRequest` attempts of a request can fault (default unlimited), so retries always end. */
  maxPerRequest?: number;
}

function isFaultKind(s: string): s is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(s);
}

/** Validate a fault config; throws with the field name on bad input. */
export function checkFaultConfig(cfg: FaultConfig, where = "faults"): FaultConfig {
  if (cfg.rate !== undefined && !(typeof cfg.rate === "number" && cfg.rate >= 0 && cfg.rate <= 1)) throw new Error(`${where}.rate must be a number in [0, 1]`);
  for (const k of cfg.kinds ?? []) if (!isFaultKind(String(k))) throw new Error(`${where}.kinds: unknown fault '${k}' (known: ${FAULT_KINDS.join(", ")})`);
  if (cfg.kinds && cfg.kinds.length === 0) throw new Error(`${where}.kinds must not be empty`);
  return cfg;
}

export class FaultPlan {
  private readonly attempts = new Map<string, number>();
  constructor(readonly config: FaultConfig = {}) {
    checkFaultConfig(config);
  }

  /** The fault for this request (by body hash), or null. `header` is the x-sim-fault header value. */
  decide(bodyKey: string, header: string | undefined): FaultKind | null {
    const attempt = this.attempts.get(bodyKey) ?? 0;
    this.attempts.set(bodyKey, attempt + 1);
    if (header) {
      const h = header.trim().toLowerCase();
      if (isFaultKind(h)) return h;
      if (h === "none") return null;
    }
    const rate = this.config.rate ?? 0;
    if (rate <= 0) return null;
    if (this.config.maxPerRequest !== undefined && attempt >= this.config.maxPerRequest) return null;
    const seed = this.config.seed ?? 0;
    if (unit(`${seed}|${bodyKey}|${attempt}|fire`) >= rate) return null;
    const kinds = this.config.kinds ?? DEFAULT_FAULT_KINDS;
    return kinds[Math.floor(unit(`${seed}|${bodyKey}|${attempt}|kind`) * kinds.length)]!;
  }
}
