// The word index behind the responses page's search, shared by the build (which writes it) and the
// browser (which reads it by byte range). Pure: no I/O.
//
// File layout (search.bin), all integers little-endian:
//   "EMS1" | u32 header bytes H | H bytes of UTF-8 JSON SearchHeader | postings
// Postings of token i are bytes [ends[i-1] ?? 0, ends[i]) after the header: the sorted response rows
// (rid) whose answer or question contains the token, as unsigned LEB128 varints of the gaps (first
// value is rid + 1 - 1 = rid itself, then rid[k] - rid[k-1]). Tokens are sorted by code unit, so
// the tokens sharing a prefix are one contiguous run and their postings one contiguous byte range.

export const SEARCH_MAGIC = "EMS1";
/** Query words of at least this many characters also match the words they begin (prefix search). */
export const PREFIX_MIN = 3;
/** Words longer than this are not indexed (hashes, base64, runs of characters: not what one searches). */
export const MAX_TOKEN = 40;

export interface SearchHeader {
  version: 1;
  /** Number of response rows indexed (rids 0..rows-1). */
  rows: number;
  tokens: string[];
  /** Cumulative postings byte end per token, relative to the start of the postings. */
  ends: number[];
  /** Number of rids per token. */
  counts: number[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The distinct lower-cased words of a text (letters and digits; everything else separates words). */
export function tokenize(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.toLowerCase().matchAll(WORD)) if (m[0].length <= MAX_TOKEN) out.add(m[0]);
  return out;
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

  /** The whole file as byte chunks (header first). */
  finish(): Uint8Array[] {
    const tokens = [...this.lists.keys()].sort();
    const ends: number[] = [];
    const counts: number[] = [];
    const chunks: Uint8Array[] = [];
    let end = 0;
    for (const t of tokens) {
      const list = this.lists.get(t)!;
      end += list.length;
      ends.push(end);
      counts.push(list.count);
      chunks.push(list.bytes.subarray(0, list.length));
    }
    const header = new TextEncoder().encode(JSON.stringify({version: 1, rows: this.rows, tokens, ends, counts} satisfies SearchHeader));
    const head = new Uint8Array(8);
    head.set(new TextEncoder().encode(SEARCH_MAGIC), 0);
    new DataView(head.buffer).setUint32(4, header.length, true);
    return [head, header, ...chunks];
  }
}

/** Decode one token's postings (as written by PostingsBuilder) into `out` (a 0/1 mark per rid). */
export function markPostings(bytes: Uint8Array, out: Uint8Array): void {
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
    out[rid] = 1;
    gap = 0;
    shift = 0;
  }
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

/** Words as the UI describes them: what a query matches. */
export const SEARCH_RULE = `Matches whole words (letters and digits) in answers and questions, ignoring case; a word of ${PREFIX_MIN}+ characters also matches words it begins (“refus” finds “refuse”, “refusal”). All words must match.`;
