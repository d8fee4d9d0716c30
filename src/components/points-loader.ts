// points.arrow by judge (issue 28): the build writes one compact stream per judge and first.json
// says where each sits (loaders/site-points.ts encodePointsSegments), so a page that shows one
// judge at a time downloads that judge's rows by byte range, and another judge's when it is chosen.
// Kept free of Arrow and the page engine: /sensitivity starts the download with its first number.
import type {FirstPaint, PointsSegment} from "../lib/site-first.js";
import {parseState} from "./store.js";

export interface PointsLoader {
  /** Every judge of an experiment in the pages' default order (first.json); null when unknown. */
  judgesOf(experiment: string | null): string[] | null;
  /** Whether a judge's rows are loaded (true for every judge once the whole file is). */
  has(judge: string): boolean;
  /** The judge a page's select asked for last (load), to select (as `key`) once its rows are in. */
  requested: {key: "judge" | "judgeB"; judge: string} | null;
  /** The loaded bytes, in file order (decodePoints merges them into the table's row order). */
  parts(): Uint8Array[];
  /** Load the judges' rows (by range); resolves once every one of them is in. */
  load(judges: readonly string[]): Promise<void>;
  /**
   * Calls `listener` with the loaded parts once the first judges are in and whenever another
   * judge's rows arrive (now, if the first are in already); `onError` if the first ones cannot be
   * loaded. Returns the unsubscribe.
   */
  watch(listener: (parts: Uint8Array[]) => void, onError?: (error: unknown) => void): () => void;
}

export interface PointsLoaderOptions {
  /**
   * How many judges of each experiment load at the start, in the pages' default order: 1 (the
   * default) for a page that shows one judge, 2 for one that compares two, Infinity for one that
   * shows them all.
   */
  perExperiment?: number;
  /** Which of first.json's segment lists describes the file: `points` (points.arrow, default) or `exact` (points-exact.arrow). */
  segments?: "points" | "exact";
}

/**
 * The segments (indices into first.json's `segments` list) a loader opened on `search` fetches at
 * the start: the judges of the query (judge, judge_b) the file has, and the first `perExperiment`
 * judges of every experiment (an experiment change must find its default judge loaded); the first
 * segment when none of them is in the file. Empty when first.json lists no segments (the whole
 * file loads).
 */
export function startSegments(table: FirstPaint, search: string, {perExperiment = 1, segments: list = "points"}: PointsLoaderOptions = {}): number[] {
  const segments = table[list];
  if (!segments?.length) return [];
  const wanted = new Set<string>();
  const state = parseState(search);
  for (const judge of [state.judge, state.judgeB]) if (judge && segments.some((s) => s.judge === judge)) wanted.add(judge);
  for (const e of table.experiments) for (const j of (table.judges[e] ?? []).slice(0, perExperiment)) wanted.add(j);
  if (!wanted.size) wanted.add(segments[0]!.judge);
  return [...wanted].map((j) => segments.findIndex((s) => s.judge === j)).filter((k) => k >= 0);
}

/**
 * The bytes a loader opened on `search` fetches at the start (startSegments' ranges), or null when
 * first.json lists no segments (the whole file, whose size is not known before it is fetched).
 */
export function startBytes(table: FirstPaint | null, search: string, options: PointsLoaderOptions = {}): number | null {
  const segments = table?.[options.segments ?? "points"];
  if (!table || !segments?.length) return null;
  return startSegments(table, search, options).reduce((a, k) => a + segments[k]!.end - segments[k]!.start, 0);
}

/**
 * Points a page fetches at the start of at most this many bytes (startBytes) are fetched right
 * after its first page, so a study of up to about a million answers per judge shows /responses'
 * filters, rule and step strip at once; larger ones on first use (issue 28: /responses loads
 * nothing it does not show, <= 10 MB until the network is idle). A test sets
 * `globalThis.__emEagerPointsBytes` to try either path on the demo.
 */
export const EAGER_POINTS_BYTES = 6_000_000;

/** Whether the points a loader opened on `search` fetches at the start are small (EAGER_POINTS_BYTES); false when their size is unknown. */
export function smallStart(table: FirstPaint | null, search: string, options: PointsLoaderOptions = {}): boolean {
  const limit = (globalThis as {__emEagerPointsBytes?: number}).__emEagerPointsBytes ?? EAGER_POINTS_BYTES;
  const bytes = startBytes(table, search, options);
  return bytes !== null && bytes <= limit;
}

/**
 * A loader of points.arrow at `url`. `first` (first.json) gives the segments; without them (an
 * older build, or no first.json) the whole file loads. Starts loading at once, when `first`
 * arrives: startSegments (the URL's judge and judge B, the first `perExperiment` judges of every
 * experiment).
 */
export function pointsLoader(
  url: string,
  first: Promise<FirstPaint | null>,
  search: string,
  {perExperiment = 1, segments: list = "points"}: PointsLoaderOptions = {},
): PointsLoader {
  const name = list === "exact" ? "points-exact.arrow" : "points.arrow";
  let segments: PointsSegment[] | null = null;
  let judgesByExperiment: Record<string, string[]> | null = null;
  const loaded = new Map<number, Uint8Array>();
  const pending = new Map<number, Promise<void>>();
  const listeners = new Set<(parts: Uint8Array[]) => void>();
  let whole: Promise<void> | null = null;
  const parts = () => [...loaded.entries()].sort((a, b) => a[0] - b[0]).map(([, bytes]) => bytes);
  const changed = () => {
    if (!started) return;
    const p = parts();
    for (const l of listeners) l(p);
  };
  const loadWhole = (): Promise<void> =>
    (whole ??= fetch(url)
      .then((r) => {
        if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
        return r.arrayBuffer();
      })
      .then((buffer) => keepAll(new Uint8Array(buffer))));
  /** The whole file's bytes: every segment (or the one stream when there are none). */
  const keepAll = (bytes: Uint8Array) => {
    if (!segments) loaded.set(0, bytes);
    else segments.forEach((s, k) => loaded.set(k, bytes.subarray(s.start, s.end)));
    changed();
  };
  const loadSegment = (k: number): Promise<void> => {
    if (loaded.has(k)) return Promise.resolve();
    let p = pending.get(k);
    if (p) return p;
    const s = segments![k]!;
    p = fetch(url, {headers: {Range: `bytes=${s.start}-${s.end - 1}`}})
      .then(async (r) => {
        if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
        const bytes = new Uint8Array(await r.arrayBuffer());
        // A server that ignores Range sends the whole file: every judge is then in.
        if (r.status !== 206) return keepAll(bytes);
        const range = /^bytes (\d+)-(\d+)\//.exec(r.headers.get("content-range") ?? "");
        if (!range || Number(range[1]) !== s.start || bytes.length !== s.end - s.start)
          throw new Error(
            `${name}: asked for bytes ${s.start}-${s.end - 1}, got ${r.headers.get("content-range") ?? "no Content-Range"} (${bytes.length} bytes)`,
          );
        loaded.set(k, bytes);
        changed();
      })
      .finally(() => pending.delete(k));
    pending.set(k, p);
    return p;
  };
  // The first parts are announced together, once every judge asked for at the start is in: a page
  // opened on part of them would pick another judge than the URL's.
  let started = false;
  let failed: unknown = null;
  const failures = new Set<(error: unknown) => void>();
  const ready = first.then(
    (table) => {
      const described = table?.[list];
      segments = described?.length ? described : null;
      judgesByExperiment = table?.judges ?? null;
      if (!segments) return loadWhole();
      return Promise.all(startSegments(table!, search, {perExperiment, segments: list}).map(loadSegment)).then(() => undefined);
    },
    // No first.json: the whole file.
    () => loadWhole(),
  );
  ready.then(
    () => {
      started = true;
      changed();
    },
    (error: unknown) => {
      failed = error;
      for (const f of failures) f(error);
    },
  );
  const loader: PointsLoader = {
    requested: null,
    judgesOf: (experiment) => (experiment !== null && judgesByExperiment?.[experiment]) || null,
    has: (judge) => (segments ? segments.some((s, k) => s.judge === judge && loaded.has(k)) : loaded.size > 0),
    parts,
    async load(judges) {
      await first;
      if (!segments) return loadWhole();
      await Promise.all(
        judges
          .map((j) => segments!.findIndex((s) => s.judge === j))
          .filter((k) => k >= 0)
          .map(loadSegment),
      );
    },
    watch(listener, onError) {
      listeners.add(listener);
      if (onError) failures.add(onError);
      if (failed !== null) onError?.(failed);
      else if (started) listener(parts());
      return () => {
        listeners.delete(listener);
        if (onError) failures.delete(onError);
      };
    },
  };
  return loader;
}

/**
 * The loaded parts as Framework's Generators.observe wants them: the first ones, then again
 * whenever another judge's rows arrive (a page reopens on them); a failure as a rejected value.
 */
export function observePoints(loader: PointsLoader): (notify: (parts: Uint8Array[] | Promise<never>) => void) => () => void {
  return (notify) => loader.watch(notify, (error) => notify(Promise.reject(error)));
}
