// `em run --shard K/N`: a deterministic share of an experiment's work, so N machines can each run
// one share into their own cache and the caches merge into one (`em cache merge`, or copying the
// shard files) that rebuilds everything with zero calls.
//
// The unit of work is a generation unit (one prompt of one checkpoint, all its samples), owned by
// the shard its first sample's cache key falls into; the judge calls on its answers go with it,
// since only the shard that generated an answer has it. Imported responses need no generation:
// each of their judge calls is owned by its own cache key. Keys are sha256 hex, so their leading
// bits are uniform: the split is even and identical on every machine and every run. Two units
// with equal keys (one checkpoint under two experiment models) land in the same shard, so the
// identical requests are still sent once.

export interface ShardSpec {
  /** 1-based shard number and shard count. */
  k: number;
  n: number;
}

/** Parse "K/N" (1 <= K <= N); errors say what is wrong with the given text. */
export function parseShard(text: string, where = "--shard"): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`${where} '${text}': expected K/N with whole numbers, e.g. 1/3`);
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1) throw new Error(`${where} '${text}': N (the number of shards) must be at least 1`);
  if (k < 1 || k > n) throw new Error(`${where} '${text}': K must be between 1 and N (${n}); shards are numbered 1..${n}`);
  if (n > 65_536) throw new Error(`${where} '${text}': at most 65536 shards`);
  return {k, n};
}

/** The shard (0-based) a cache key belongs to out of n. */
export function shardOf(key: string, n: number): number {
  if (!/^[0-9a-f]{8}/.test(key)) throw new Error(`not a cache key: '${key.slice(0, 20)}'`);
  return Number.parseInt(key.slice(0, 8), 16) % n;
}

export function owns(spec: ShardSpec, key: string): boolean {
  return shardOf(key, spec.n) === spec.k - 1;
}

export const formatShard = (s: ShardSpec) => `${s.k}/${s.n}`;
