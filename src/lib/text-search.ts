// The word index behind the responses page's search, shared by the build (which writes it) and the
// browser (which reads it by byte range). Pure: no I/O.
//
// File layout (search.bin), all integers little-endian:
//   "EMS2" | u32 directory bytes D | D bytes of UTF-8 JSON SearchDirectory | shard 0 | shard 1 | ...
// The sorted tokens are cut into shards of shardTokens(V) (the last may be shorter); the directory
// names each shard's first token and byte range, so a query reads the directory, then only the
// shards its words fall in, and of those only the postings of the tokens it matches. A shard is
//   u32 header bytes H | H bytes of UTF-8 JSON SearchHeader (its tokens) | postings
// Postings of a shard's token i are bytes [ends[i-1] ?? 0, ends[i]) after its header: the sorted
// response rows (rid) whose answer or question contains the token, as unsigned LEB128 varints of
// the gaps (first value is rid + 1, then rid[k] - rid[k-1]). Tokens are sorted by code unit, so
// the tokens sharing a prefix are one contiguous run, over one shard or a few consecutive ones.

export const SEARCH_MAGIC = "EMS2";
/** Query words of at least this many characters also match the words they begin (prefix search). */
export const PREFIX_MIN = 3;
/**
 * Words longer than this many characters are indexed, and searched, by their first MAX_TOKEN
 * characters (hashes, base64, runs of characters: each adds one token of this length, not its whole
 * length): a query word that long still finds the answers holding it, with any other word that
 * begins with the same MAX_TOKEN characters (searchNotes says so).
 */
export const MAX_TOKEN = 40;
/**
 * Tokens per shard for a vocabulary of `tokens` words: about SHARDS shards, each of at least 64 and at
 * most 2,048 tokens. A shard header costs ~15-25 bytes per token (the word, its byte end and count as
 * JSON), so at most ~50 kB, one small request; the directory ~60 bytes per shard, a few kB up to
 * 130,000 words (one read with the magic), more only past that.
 */
export function shardTokens(tokens: number): number {
  return Math.min(2048, Math.max(64, Math.ceil(tokens / SHARDS)));
}
const SHARDS = 64;

/** The tokens of one shard and where their postings lie. */
export interface SearchHeader {
  tokens: string[];
  /** Cumulative postings byte end per token, relative to the start of the shard's postings. */
  ends: number[];
  /** Number of rids per token. */
  counts: number[];
}

export interface SearchShard {
  /** The shard's first token (shards are in token order). */
  first: string;
  /** Byte offset of the shard in the file (at its u32 header length). */
  offset: number;
  /** Bytes of the shard's JSON header (after its 4-byte length). */
  header: number;
  /** Bytes of the whole shard: 4 + header + postings. */
  bytes: number;
}

export interface SearchDirectory {
  version: 2;
  /** Number of response rows indexed (rids 0..rows-1). */
  rows: number;
  /** Number of distinct tokens, over every shard. */
  tokens: number;
  shards: SearchShard[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The lower-cased words of a text in order, repeats included (letters and digits; everything else
 * separates words; a word longer than MAX_TOKEN cut to its first MAX_TOKEN characters). One `match`
 * gives every word as a string: no match object per word (a third of the search index's build time
 * at 1M answers was matchAll's).
 */
export function wordList(text: string): string[] {
  const all = text.toLowerCase().match(WORD);
  if (!all) return [];
  return all.every((w) => w.length <= MAX_TOKEN) ? all : all.map(cutWord);
}

/** A word as indexed: whole up to MAX_TOKEN characters, else its first MAX_TOKEN (code points: no half of a surrogate pair). */
function cutWord(w: string): string {
  if (w.length <= MAX_TOKEN) return w;
  const chars = Array.from(w);
  return chars.length <= MAX_TOKEN ? w : chars.slice(0, MAX_TOKEN).join("");
}

/**
 * What the list must say about a query beside its count, as sentences (none for a plain query): a
 * query with no word to search (letters or digits) matches nothing and lists every answer; a word
 * longer than MAX_TOKEN is matched on its first MAX_TOKEN characters, so answers whose word only
 * begins the same way are listed too.
 */
export function searchNotes(q: string): string[] {
  const words = q.toLowerCase().match(WORD) ?? [];
  if (!q.trim()) return [];
  if (!words.length) return [`“${q.trim()}” has no word to search for (letters or digits): every answer is listed`];
  return [...new Set(words.filter((w) => cutWord(w) !== w))].map(
    (w) =>
      `“${cutWord(w).slice(0, 12)}…” (${Array.from(w).length.toLocaleString("en-US")} characters) is matched on its first ${MAX_TOKEN} characters: answers with a word that begins with the same ${MAX_TOKEN} are listed too`,
  );
}

/** The distinct lower-cased words of a text (wordList without repeats). */
export function tokenize(text: string): Set<string> {
  return new Set(wordList(text));
}

/** The words of a query, in order, without repeats. */
export function queryWords(q: string): string[] {
  return [...tokenize(q)];
}

/** Builds postings incrementally; rids must be added in increasing order. */
export class PostingsBuilder {
  private lists = new Map<string, {last: number; count: number; bytes: Uint8Array; length: number}>();
  rows = 0;

  add(rid: number, words: Iterable<string>): void {
    for (const w of words) {
      let list = this.lists.get(w);
      if (!list) this.lists.set(w, (list = {last: -1, count: 0, bytes: new Uint8Array(8), length: 0}));
      if (list.last === rid) continue;
      // The first gap is rid + 1 (last starts at -1), so decoding subtracts one once.
      let gap = rid - list.last;
      list.last = rid;
      list.count++;
      if (list.length + 5 > list.bytes.length) {
        const grown = new Uint8Array(list.bytes.length * 2);
        grown.set(list.bytes);
        list.bytes = grown;
      }
      while (gap >= 0x80) {
        list.bytes[list.length++] = (gap & 0x7f) | 0x80;
        gap >>>= 7;
      }
      list.bytes[list.length++] = gap;
    }
    this.rows = Math.max(this.rows, rid + 1);
  }

  /**
   * The whole file as byte chunks (magic and directory first, then the shards in token order),
   * `perShard` tokens per shard (default shardTokens of the vocabulary). No token gives an empty
   * directory (no shard).
   */
  finish(perShard?: number): Uint8Array[] {
    const tokens = [...this.lists.keys()].sort();
    const size = perShard ?? shardTokens(tokens.length);
    if (!Number.isInteger(size) || size < 1) throw new Error(`PostingsBuilder.finish: tokens per shard must be a positive integer, got ${size}`);
    const enc = new TextEncoder();
    const u32 = (n: number) => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, n, true);
      return b;
    };
    const shards: {first: string; head: Uint8Array; chunks: Uint8Array[]; postings: number}[] = [];
    for (let from = 0; from < tokens.length; from += size) {
      const own = tokens.slice(from, from + size);
      const ends: number[] = [];
      const counts: number[] = [];
      const chunks: Uint8Array[] = [];
      let end = 0;
      for (const t of own) {
        const list = this.lists.get(t)!;
        end += list.length;
        ends.push(end);
        counts.push(list.count);
        chunks.push(list.bytes.subarray(0, list.length));
      }
      shards.push({first: own[0]!, head: enc.encode(JSON.stringify({tokens: own, ends, counts} satisfies SearchHeader)), chunks, postings: end});
    }
    // The directory's offsets depend on its own length: lay the shards out after a first encoding,
    // and again if the offsets' digits made it longer (at most a few rounds: lengths only grow).
    let dirBytes = 0;
    let dir: Uint8Array;
    for (;;) {
      let at = 8 + dirBytes;
      const entries: SearchShard[] = shards.map((s) => {
        const e = {first: s.first, offset: at, header: s.head.length, bytes: 4 + s.head.length + s.postings};
        at += e.bytes;
        return e;
      });
      dir = enc.encode(JSON.stringify({version: 2, rows: this.rows, tokens: tokens.length, shards: entries} satisfies SearchDirectory));
      if (dir.length === dirBytes) break;
      dirBytes = dir.length;
    }
    const out: Uint8Array[] = [enc.encode(SEARCH_MAGIC), u32(dir.length), dir];
    for (const s of shards) out.push(u32(s.head.length), s.head, ...s.chunks);
    return out;
  }
}

/** Decode one token's postings (as written by PostingsBuilder) into `out` from `at`, ascending rids; returns the index after the last. */
export function decodePostings(bytes: Uint8Array, out: Int32Array, at = 0): number {
  let rid = -1;
  let gap = 0;
  let shift = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    gap |= (b & 0x7f) << shift;
    if (b & 0x80) {
      shift += 7;
      continue;
    }
    rid += gap;
    out[at++] = rid;
    gap = 0;
    shift = 0;
  }
  return at;
}

/**
 * The rids of several tokens' postings (each ascending) as one ascending list without repeats, of
 * `rows` rids at most: a sort of their concatenation when they are few, else a pass over 0/1 marks
 * per rid (a sort of millions costs more than a pass over the rows). One list is returned as it is.
 */
export function unionSorted(lists: readonly Int32Array[], rows: number): Int32Array {
  if (lists.length === 1) return lists[0]!;
  const total = lists.reduce((s, l) => s + l.length, 0);
  if (total * 16 < rows) {
    const all = new Int32Array(total);
    let at = 0;
    for (const l of lists) all.set(l, (at += l.length) - l.length);
    all.sort();
    let m = 0;
    for (let k = 0; k < all.length; k++) if (k === 0 || all[k] !== all[k - 1]) all[m++] = all[k]!;
    return all.slice(0, m);
  }
  const marks = new Uint8Array(rows);
  for (const l of lists) for (let k = 0; k < l.length; k++) marks[l[k]!] = 1;
  let m = 0;
  for (let r = 0; r < rows; r++) m += marks[r]!;
  const out = new Int32Array(m);
  for (let r = 0, k = 0; k < m; r++) if (marks[r]) out[k++] = r;
  return out;
}

/**
 * First index k in [from, xs.length) with xs[k] >= x, in ascending `xs`: an exponential then a binary
 * search from `from`, so stepping through ascending x costs the log of each step, not of the list.
 */
export function gallop(xs: ArrayLike<number>, x: number, from: number): number {
  let lo = from;
  let step = 1;
  let hi = from;
  while (hi < xs.length && xs[hi]! < x) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  if (hi > xs.length) hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rids in every one of ascending lists (each without repeats, rids below `rows`), ascending.
 * From the shortest, each rid looked up in the others by gallop; when even the shortest holds more
 * than an eighth of the rows, by a count per rid instead (a pass over the rows costs less than
 * millions of lookups).
 */
export function intersectSorted(lists: readonly Int32Array[], rows: number): Int32Array {
  if (lists.length === 1) return lists[0]!;
  const [short, ...rest] = [...lists].sort((a, b) => a.length - b.length);
  if (short!.length * 8 > rows && lists.length < 256) {
    const seen = new Uint8Array(rows);
    for (const l of lists) for (let k = 0; k < l.length; k++) seen[l[k]!]!++;
    const all = lists.length;
    let m = 0;
    for (let r = 0; r < rows; r++) if (seen[r] === all) m++;
    const out = new Int32Array(m);
    for (let r = 0, k = 0; k < m; r++) if (seen[r] === all) out[k++] = r;
    return out;
  }
  const out = new Int32Array(short!.length);
  const at = new Int32Array(rest.length);
  let m = 0;
  next: for (let k = 0; k < short!.length; k++) {
    const x = short![k]!;
    for (let j = 0; j < rest.length; j++) {
      const l = rest[j]!;
      const i = (at[j] = gallop(l, x, at[j]!));
      if (i === l.length) break next;
      if (l[i] !== x) continue next;
    }
    out[m++] = x;
  }
  return out.slice(0, m);
}

/** First index in sorted `tokens` not less than `word`. */
function lowerBound(tokens: readonly string[], word: string): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tokens[mid]! < word) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The tokens a query word matches, as a run [from, to) of the header's tokens: the word itself, and
 * when it has PREFIX_MIN or more characters, every word it begins.
 */
export function matchRun(header: Pick<SearchHeader, "tokens">, word: string): [number, number] {
  const from = lowerBound(header.tokens, word);
  if (word.length < PREFIX_MIN) return header.tokens[from] === word ? [from, from + 1] : [from, from];
  let to = from;
  while (to < header.tokens.length && header.tokens[to]!.startsWith(word)) to++;
  return [from, to];
}

/** Byte range [start, end) of the postings of tokens [from, to), relative to the postings start. */
export function postingsRange(header: Pick<SearchHeader, "ends">, [from, to]: [number, number]): [number, number] {
  return [from === 0 ? 0 : header.ends[from - 1]!, to === 0 ? 0 : header.ends[to - 1]!];
}

/**
 * The directory at the start of a search.bin, from its first bytes: the directory, or the number of
 * bytes needed to read it when `head` is shorter. Throws on another format (magic other than EMS2).
 */
export function readDirectory(head: Uint8Array): SearchDirectory | {need: number} {
  if (head.length < 8) return {need: 8};
  const magic = new TextDecoder().decode(head.subarray(0, 4));
  if (magic !== SEARCH_MAGIC) throw new Error(`not a search index: magic "${magic}", expected "${SEARCH_MAGIC}" (src/lib/text-search.ts)`);
  const bytes = new DataView(head.buffer, head.byteOffset, 8).getUint32(4, true);
  if (head.length < 8 + bytes) return {need: 8 + bytes};
  const dir = JSON.parse(new TextDecoder().decode(head.subarray(8, 8 + bytes))) as SearchDirectory;
  if (dir.version !== 2) throw new Error(`search index version ${String(dir.version)}, expected 2`);
  return dir;
}

/**
 * The shards (indices into `dir.shards`) that can hold the tokens `word` matches (matchRun's rule):
 * the last shard whose first token is not after `word`, then, for a prefix word, the following
 * shards whose first token begins with it. Empty when there is no shard.
 */
export function shardsFor(dir: Pick<SearchDirectory, "shards">, word: string): number[] {
  const firsts = dir.shards.map((s) => s.first);
  if (!firsts.length) return [];
  // lowerBound gives the first shard whose first token is >= word; the one before may hold it too.
  let k = lowerBound(firsts, word);
  if (k === firsts.length || firsts[k] !== word) k = Math.max(0, k - 1);
  const out = [k];
  if (word.length >= PREFIX_MIN) for (let j = k + 1; j < firsts.length && firsts[j]!.startsWith(word); j++) out.push(j);
  return out;
}

/** Byte range [start, end) in the file of a shard's JSON header. */
export function shardHeaderRange(shard: SearchShard): [number, number] {
  return [shard.offset + 4, shard.offset + 4 + shard.header];
}

/** Byte offset in the file where a shard's postings start (postingsRange is relative to it). */
export function shardPostingsStart(shard: SearchShard): number {
  return shard.offset + 4 + shard.header;
}

/** Words as the UI describes them: what a query matches. */
export const SEARCH_RULE = `Matches whole words (letters and digits) in answers and questions, ignoring case; a word of ${PREFIX_MIN}+ characters also matches words it begins (“refus” finds “refuse”, “refusal”); a word over ${MAX_TOKEN} characters is matched on its first ${MAX_TOKEN}. All words must match.`;
