// Merging caches (`em cache merge DEST SRC...`) and the key scheme that makes a merge safe.
//
// A cache is a folder of append-only shard files with unique names (loaders/cache.ts), so merging
// is copying files: a union. What copying cannot tell is whether the entries can ever be hit: a
// tool version that computes request keys differently (other judge parameters, another canonical
// JSON) writes entries this version never looks up, and a "merged" cache would then rebuild at
// full price. So every run that writes into a cache records the version's KEY SCHEME in
// `<dir>/keys.json`: a fingerprint of the keys of fixed probe requests, which changes exactly when
// the key recipe changes. A merge refuses a cache whose manifest lacks the current scheme, and
// checks everything (layout, manifests, shard files) before writing anything.
import {createHash} from "node:crypto";
import {copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync} from "node:fs";
import path from "node:path";
import {cacheKey} from "./cache.ts";
import {lockCache, type CacheLock, type LockOptions} from "./cache-lock.ts";
import {genKey} from "./generate.ts";
import {judgeKey} from "./judge.ts";
import {displayPath} from "./paths.ts";
import {TOOL_VERSION} from "./run/provenance.ts";
import {readRecords} from "./batch/store.ts";

const LAYOUT = "v1";
export const MANIFEST = "keys.json";

/** Fingerprint of how this version computes cache keys (generation and judge requests). */
export const KEY_SCHEME: string = cacheKey([
  genKey("probe-endpoint", "probe-model", [{role: "user", content: "probe"}], {temperature: 1, max_tokens: 16, seed: 0}, 0),
  judgeKey("probe-endpoint", "probe-model", "probe"),
]).slice(0, 16);

export interface Manifest {
  format: 1;
  /** Key schemes of the versions that wrote into this cache, with the first tool version and time. */
  schemes: Record<string, {tool: string; first_written: string}>;
}

/** The manifest of a cache folder; null when it has none. Errors name the file. */
export function readManifest(dir: string): Manifest | null {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) return null;
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(file, "utf8")) as Manifest;
  } catch (error) {
    throw new Error(`${displayPath(file)}: not a cache manifest (${(error as Error).message})`);
  }
  if (m?.format !== 1 || typeof m.schemes !== "object" || m.schemes === null)
    throw new Error(`${displayPath(file)}: not a cache manifest (expected {format: 1, schemes: {...}})`);
  return m;
}

function writeManifest(dir: string, m: Manifest): void {
  mkdirSync(dir, {recursive: true});
  const file = path.join(dir, MANIFEST);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(m, null, 2) + "\n");
  renameSync(tmp, file);
}

/** Record this version's key scheme in a cache it is about to write into (no-op when recorded). */
export function stampKeyScheme(dir: string): void {
  const m = readManifest(dir) ?? {format: 1, schemes: {}};
  if (m.schemes[KEY_SCHEME]) return;
  m.schemes[KEY_SCHEME] = {tool: TOOL_VERSION, first_written: new Date().toISOString()};
  writeManifest(dir, m);
}

export interface MergeReport {
  copied: number;
  /** Shard files already in the destination with the same content. */
  skipped: number;
  /** Shard files the destination had a shorter copy of (the source appended since). */
  extended: number;
  /** Distinct keys in the destination after the merge, and how many the merge added. */
  entries: number;
  added: number;
  /** Keys present in two files with different values (the later file by name wins when loaded). */
  conflicts: number;
  warnings: string[];
}

function shardFiles(dir: string): string[] {
  const d = path.join(dir, LAYOUT);
  return existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.endsWith(".jsonl"))
        .sort()
    : [];
}

/** Complete entries of a shard file (a cut-off last line is skipped, as the cache loader does). */
function entriesOf(file: string, into: Map<string, string>, conflicts: {n: number}): void {
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    let e: {k?: unknown; v?: unknown};
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      continue;
    }
    if (typeof e.k !== "string" || e.v === undefined) continue;
    // A digest, not the value: a large cache's values would not fit in memory twice.
    const v = createHash("sha1").update(JSON.stringify(e.v)).digest("base64");
    const prev = into.get(e.k);
    if (prev !== undefined && prev !== v) conflicts.n++;
    into.set(e.k, v);
  }
}

/**
 * Merge the caches `sources` into `dest` (created when missing), under the cache locks
 * (loaders/cache-lock.ts) of the destination and every source,
 * taken in sorted order: an `em run` on the destination would not see entries copied in after it
 * loaded the cache and would pay for them again, and a source being written would be copied
 * half-written. A source that is not a cache, has another layout, or was written only by versions
 * whose keys differ from this one's is an error naming it. Everything is checked before the destination is created or locked (bad input
 * writes nothing), and checked again once the locks are held (a holder may have changed things).
 * A destination this call created is removed again when that second check fails.
 */
export async function mergeCachesLocked(dest: string, sources: readonly string[], lock: LockOptions = {}): Promise<MergeReport> {
  planMerge(dest, sources);
  const destAbs = path.resolve(dest);
  const created = !existsSync(destAbs);
  if (created) mkdirSync(destAbs, {recursive: true});
  const held: CacheLock[] = [];
  try {
    for (const dir of [...new Set([destAbs, ...sources.map((s) => path.resolve(s))])].sort()) held.push(await lockCache(dir, lock));
    return applyMerge(planMerge(dest, sources));
  } catch (error) {
    for (const l of held.splice(0)) l.release();
    if (created && readdirSync(destAbs).length === 0) rmdirSync(destAbs);
    throw error;
  } finally {
    for (const l of held) l.release();
  }
}

interface MergePlan {
  destAbs: string;
  plan: {src: string; name: string; action: "copy" | "extend"}[];
  skipped: number;
  schemes: Manifest["schemes"];
  warnings: string[];
}

/** Every check of a merge, and what it would copy; writes nothing. */
function planMerge(dest: string, sources: readonly string[]): MergePlan {
  const warnings: string[] = [];
  const destAbs = path.resolve(dest);
  // A destination must be a cache folder (or new, or empty): `em cache merge . a b` would turn the
  // working folder (a project root) into a cache, with v1/ and keys.json beside its files.
  if (existsSync(destAbs)) {
    if (!statSync(destAbs).isDirectory()) throw new Error(`destination ${displayPath(destAbs)} is a file, not a folder`);
    const foreign = readdirSync(destAbs).filter((f) => f !== LAYOUT && f !== MANIFEST && f !== ".gitattributes" && f !== "batches" && f !== ".lock");
    if (foreign.length && !existsSync(path.join(destAbs, LAYOUT)))
      throw new Error(
        `destination ${displayPath(destAbs)} is not a cache folder (it holds ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); give a new or empty folder, or an existing cache`,
      );
  }
  const plan: {src: string; name: string; action: "copy" | "extend"}[] = [];
  let skipped = 0;
  const destFiles = new Map(shardFiles(destAbs).map((f) => [f, path.join(destAbs, LAYOUT, f)]));
  const schemes: Manifest["schemes"] = {...(readManifest(destAbs)?.schemes ?? {})};
  for (const srcRaw of sources) {
    const src = path.resolve(srcRaw);
    const shown = displayPath(src);
    if (src === destAbs) throw new Error(`${shown}: is the destination itself`);
    // A destination inside a source would be read while it is written (and merged into itself next time).
    if (destAbs.startsWith(src + path.sep))
      throw new Error(`destination ${displayPath(destAbs)} is inside the source ${shown}; choose a folder outside every source`);
    if (!existsSync(src) || !statSync(src).isDirectory()) throw new Error(`${shown}: no such cache folder`);
    const layouts = readdirSync(src).filter((f) => /^v\d+$/.test(f) && statSync(path.join(src, f)).isDirectory());
    const other = layouts.filter((l) => l !== LAYOUT);
    if (other.length)
      throw new Error(
        `${shown}: has cache layout ${other.join(", ")}, written by another version of em (this version ${TOOL_VERSION} reads ${LAYOUT}/ only); merge it with the version that wrote it`,
      );
    const manifest = readManifest(src);
    if (!layouts.length && !manifest) throw new Error(`${shown}: not a cache folder (no ${LAYOUT}/ shard files and no ${MANIFEST})`);
    if (manifest) {
      const theirs = Object.entries(manifest.schemes);
      if (!manifest.schemes[KEY_SCHEME]) {
        const who = theirs.map(([s, i]) => `${s} (em ${i.tool})`).join(", ") || "none";
        throw new Error(
          `${shown}: written by a version of em whose request keys differ from this one's (key scheme ${who}; this em ${TOOL_VERSION}: ${KEY_SCHEME}); its entries would never be hit and a rebuild would pay for every call again. Rebuild that cache with this version, or merge it with the version that wrote it`,
        );
      }
      const older = theirs.filter(([s]) => s !== KEY_SCHEME);
      if (older.length)
        warnings.push(
          `${shown}: also holds entries written with other key schemes (${older.map(([s, i]) => `${s} em ${i.tool}`).join(", ")}); those are never hit`,
        );
      Object.assign(schemes, manifest.schemes);
    } else warnings.push(`${shown}: has no ${MANIFEST} (written before em recorded key schemes); assumed to use this version's keys`);
    const pending = readRecords(src).filter((r) => r.state === "pending" || r.state === "creating");
    if (pending.length)
      warnings.push(
        `${shown}: ${pending.length} batch(es) still pending (${pending.reduce((s, r) => s + r.requests, 0)} requests); their results are not in this cache yet: run \`em batch wait --cache ${shown}\` and merge again`,
      );
    for (const name of shardFiles(src)) {
      const from = path.join(src, LAYOUT, name);
      const there = destFiles.get(name);
      if (!there) {
        plan.push({src: from, name, action: "copy"});
        destFiles.set(name, from);
        continue;
      }
      const a = readFileSync(there);
      const b = readFileSync(from);
      if (a.equals(b)) skipped++;
      else if (b.length > a.length && b.subarray(0, a.length).equals(a)) plan.push({src: from, name, action: "extend"});
      else if (a.length > b.length && a.subarray(0, b.length).equals(b)) skipped++;
      else
        throw new Error(
          `${shown}: shard ${name} differs from the file of that name in ${displayPath(there)} (shard names are unique per writing process, so one of them was edited); nothing was merged`,
        );
    }
  }
  return {destAbs, plan, skipped, schemes, warnings};
}

/** Copy what `planMerge` decided and write the destination's manifest. */
function applyMerge({destAbs, plan, skipped, schemes, warnings}: MergePlan): MergeReport {
  // Entries before and after, and keys whose values disagree (reported, not fatal: the loader's rule decides).
  const before = new Map<string, string>();
  const conflicts = {n: 0};
  for (const f of shardFiles(destAbs)) entriesOf(path.join(destAbs, LAYOUT, f), before, conflicts);
  const after = new Map(before);
  for (const p of plan) entriesOf(p.src, after, conflicts);

  mkdirSync(path.join(destAbs, LAYOUT), {recursive: true});
  const attrs = path.join(destAbs, ".gitattributes");
  if (!existsSync(attrs)) writeFileSync(attrs, "*.jsonl merge=union -diff\n");
  for (const p of plan) copyFileSync(p.src, path.join(destAbs, LAYOUT, p.name));
  if (!Object.keys(schemes).length) schemes[KEY_SCHEME] = {tool: TOOL_VERSION, first_written: new Date().toISOString()};
  writeManifest(destAbs, {format: 1, schemes});
  return {
    copied: plan.filter((p) => p.action === "copy").length,
    skipped,
    extended: plan.filter((p) => p.action === "extend").length,
    entries: after.size,
    added: after.size - before.size,
    conflicts: conflicts.n,
    warnings,
  };
}
