// The build-time fits of steps.json (loaders/site-steps.ts), memoised on disk by content: one file
// per fitted entry, named by a hash of its per-step counts, its scale and the fit options, in a
// folder named by a hash of the analysis code (src/lib). A rebuild whose counts did not change
// reads the fits instead of running the ~1 s-a-series analysis again; a change in the library
// starts a fresh folder (the others are removed). Lives in the build's cache (.em/), never in dist.
// Bounded: past FIT_MEMO_MAX_BYTES the least recently used entries go (an LRU on file times, not
// "what the last build used": builds of several studies take turns on the one folder).
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync} from "node:fs";
import path from "node:path";
import type {SeriesTransition} from "../src/lib/em/view-transition.ts";
import {ROOT, walkFiles} from "./paths.ts";

/** Where a fit is kept between builds: `get` undefined when absent (or unreadable: it is then recomputed). */
export interface FitMemo {
  get(key: string): SeriesTransition[] | undefined;
  set(key: string, fits: SeriesTransition[]): void;
}

/** The default folder: .em/transition-fits under the project root (EM_FIT_MEMO moves it). */
export const FIT_MEMO_ROOT = process.env.EM_FIT_MEMO ? path.resolve(process.env.EM_FIT_MEMO) : path.join(ROOT, ".em/transition-fits");

/** The memo's default bound in bytes: 64 MiB (an entry is ~15-20 KB at the demo's size); EM_FIT_MEMO_MAX_MB overrides it. */
const FIT_MEMO_MAX_BYTES = Number(process.env.EM_FIT_MEMO_MAX_MB ?? 64) * 2 ** 20;

/** An abandoned `.tmp-<pid>` file (a build killed between write and rename) is removed after this long. */
const STALE_TMP_MS = 3_600_000;

/**
 * Removes the least recently used `.json` entries of `dir` (by modification time, which a read
 * refreshes) until their total size is at most `maxBytes`; `keep` (the entry just written) stays
 * even when it alone is larger. Files vanishing meanwhile (another build pruning) are skipped.
 */
function prune(dir: string, maxBytes: number, keep: string): void {
  const now = Date.now();
  const entries: {f: string; size: number; t: number}[] = [];
  for (const name of readdirSync(dir)) {
    const f = path.join(dir, name);
    try {
      const st = statSync(f);
      if (name.endsWith(".json")) entries.push({f, size: st.size, t: st.mtimeMs});
      else if (now - st.mtimeMs > STALE_TMP_MS) rmSync(f, {force: true});
    } catch {
      // gone since the listing
    }
  }
  let total = entries.reduce((a, e) => a + e.size, 0);
  entries.sort((a, b) => a.t - b.t);
  for (const e of entries) {
    if (total <= maxBytes) break;
    if (e.f === keep) continue;
    rmSync(e.f, {force: true});
    total -= e.size;
  }
}

/** sha256 of every .ts file under src/lib (names and bytes): the fits' code. */
function codeHash(): string {
  const h = createHash("sha256");
  for (const f of walkFiles(path.join(ROOT, "src/lib"), (f) => f.endsWith(".ts"))) h.update(path.relative(ROOT, f)).update("\0").update(readFileSync(f));
  return h.digest("hex").slice(0, 16);
}

/**
 * A FitMemo in `root`/<code hash>/<key>.json. Files are written to a temporary name and renamed,
 * so a reader never sees half a file; builds running at once may both compute an entry (same
 * bytes). Folders of other code hashes are removed when this one is first made. A hit refreshes
 * the entry's time; each write then drops the least recently used entries past `maxBytes`.
 */
export function fitMemo(root: string = FIT_MEMO_ROOT, {maxBytes = FIT_MEMO_MAX_BYTES}: {maxBytes?: number} = {}): FitMemo {
  const dir = path.join(root, codeHash());
  const file = (key: string) => path.join(dir, `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.json`);
  return {
    get(key) {
      const f = file(key);
      if (!existsSync(f)) return undefined;
      try {
        const stored = JSON.parse(readFileSync(f, "utf8")) as {key: string; fits: SeriesTransition[]};
        if (stored.key !== key) return undefined;
        const now = new Date();
        utimesSync(f, now, now);
        return stored.fits;
      } catch {
        return undefined;
      }
    },
    set(key, fits) {
      if (!existsSync(dir)) {
        mkdirSync(dir, {recursive: true});
        for (const other of readdirSync(root)) if (path.join(root, other) !== dir) rmSync(path.join(root, other), {recursive: true, force: true});
      }
      const f = file(key);
      const tmp = `${f}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify({key, fits}));
      renameSync(tmp, f);
      prune(dir, maxBytes, f);
    },
  };
}
