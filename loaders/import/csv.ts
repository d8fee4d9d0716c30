// CSV reading with csv-parse (RFC 4180): quoted fields spanning lines, doubled quotes, a UTF-8 BOM,
// CRLF or LF line ends (even mixed in one file), and stray quotes inside unquoted fields.
// Line numbers are computed from byte offsets because csv-parse's own line counter counts a
// quoted CRLF twice.
//
// Streamed (issue 28): a file is parsed twice, chunk by chunk (chunks.ts), never held whole.
// `scanCsv` checks it (UTF-8, every record readable, the header) and learns what the swallowed-record
// check needs from all rows (the shapes of id-like columns); `readCsvBatches` then reads the rows in
// batches. So a file that cannot be read throws before its first row is imported, and the check is
// the one a whole-file read made.

import {Parser} from "csv-parse";
import {Utf8Check} from "../text.ts";
import {CHUNK_BYTES, fileChunks} from "./chunks.ts";

export interface TableRecord {
  /** 1-based line on which the record starts. */
  line: number;
  values: Record<string, string>;
}

export interface TableRead {
  columns: string[];
  rows: TableRecord[];
  /** Records that could not be used (wrong number of fields), with their start line. */
  skipped: {line: number; reason: string}[];
}

/** One parsed record: its fields, start line, and the text of its later lines when a field spans lines. */
interface RawRecord {
  record: string[];
  line: number;
  more: string[] | null;
}

/**
 * csv-parse fed one chunk at a time. Its stream parser runs synchronously inside `write` (records
 * through `on_record`, errors on `errored`), so each `push` returns the records that chunk completed.
 * The bytes of records not yet complete are kept (for start lines and the text of spanned lines);
 * consumed chunks are dropped.
 */
class RecordReader {
  private readonly parser: Parser;
  private done: RawRecord[] = [];
  private chunks: Buffer[] = [];
  private hasCr: boolean[] = [];
  /** File offset of chunks[0][0]; bytes fed so far. */
  private base = 0;
  private fed = 0;
  /** End offset of the last record (csv-parse's `bytes`, BOM included). */
  private lastEnd = 0;
  /** The line number at offset lineOff. */
  private lineNo = 1;
  private lineOff = 0;

  constructor(private readonly label: string) {
    this.parser = new Parser({
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      record_delimiter: ["\r\n", "\n"],
      on_record: (record: string[], context) => {
        this.take(record, context.bytes);
        return null;
      },
    });
    // Errors are read from `errored` after each write; the event would otherwise be unhandled.
    this.parser.on("error", () => {});
  }

  push(chunk: Buffer): RawRecord[] {
    if (this.fed === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) this.lastEnd = this.lineOff = 3;
    this.chunks.push(chunk);
    this.hasCr.push(chunk.indexOf(0x0d) >= 0);
    this.fed += chunk.length;
    this.parser.write(chunk);
    return this.collect();
  }

  end(): RawRecord[] {
    this.parser.end();
    return this.collect();
  }

  private collect(): RawRecord[] {
    const err = this.parser.errored;
    if (err) throw new Error(`${this.label}:${this.lineAt(this.skipNewlines(this.lastEnd))}: unreadable CSV record starting on this line: ${err.message}`);
    const out = this.done;
    this.done = [];
    return out;
  }

  private take(record: string[], bytes: number): void {
    const start = this.skipNewlines(this.lastEnd);
    const line = this.lineAt(start);
    const more = record.some((f) => f.includes("\n") || f.includes("\r"))
      ? this.text(start, bytes)
          .split(/\r\n|\n|\r/)
          .slice(1)
      : null;
    this.lineAt(bytes);
    this.lastEnd = bytes;
    while (this.chunks.length && this.base + this.chunks[0]!.length <= bytes) {
      this.base += this.chunks.shift()!.length;
      this.hasCr.shift();
    }
    this.done.push({record, line, more});
  }

  /** [chunk index, offset in it] of file offset `off` (< fed). */
  private locate(off: number): [number, number] {
    let k = 0;
    let pos = this.base;
    while (k < this.chunks.length - 1 && pos + this.chunks[k]!.length <= off) pos += this.chunks[k++]!.length;
    return [k, off - pos];
  }

  private byteAt(off: number): number | undefined {
    if (off >= this.fed || off < this.base) return undefined;
    const [k, i] = this.locate(off);
    return this.chunks[k]![i];
  }

  /** Skip blank-line bytes so a record's start offset points at its first field. */
  private skipNewlines(off: number): number {
    for (let b = this.byteAt(off); b === 0x0a || b === 0x0d; b = this.byteAt(++off));
    return off;
  }

  /**
   * The line of offset `to` (>= the last offset asked): line starts are after LF and after a CR not
   * followed by LF. Files without CR count LFs with Buffer.indexOf (native memchr), not a JS loop.
   */
  private lineAt(to: number): number {
    let off = this.lineOff;
    while (off < to && off < this.fed) {
      const [k, i] = this.locate(off);
      const c = this.chunks[k]!;
      const end = Math.min(c.length, i + (to - off));
      if (!this.hasCr[k]) {
        for (let j = c.indexOf(0x0a, i); j >= 0 && j < end; j = c.indexOf(0x0a, j + 1)) this.lineNo++;
      } else {
        for (let j = i; j < end; j++) {
          const b = c[j];
          if (b === 0x0a || (b === 0x0d && (j + 1 < c.length ? c[j + 1] : this.byteAt(off + j - i + 1)) !== 0x0a)) this.lineNo++;
        }
      }
      off += end - i;
    }
    this.lineOff = Math.max(this.lineOff, to);
    return this.lineNo;
  }

  private text(from: number, to: number): string {
    const [k, i] = this.locate(from);
    const c = this.chunks[k]!;
    if (i + (to - from) <= c.length) return c.toString("utf8", i, i + (to - from));
    const parts: Buffer[] = [c.subarray(i)];
    let left = to - from - (c.length - i);
    for (let n = k + 1; left > 0 && n < this.chunks.length; n++) {
      const d = this.chunks[n]!;
      parts.push(d.subarray(0, Math.min(left, d.length)));
      left -= d.length;
    }
    return Buffer.concat(parts).toString("utf8");
  }
}

/** What the first pass learns about a CSV file. */
export interface CsvScan {
  columns: string[];
  /**
   * The swallowed-record check's knowledge of all rows: whether the first column holds ids (no
   * spaces) in every row with the header's field count, and then, per column whose values never
   * hold whitespace, the shapes its values take (see `shape`); null for other columns.
   */
  idLike: boolean;
  columnShapes: (Set<string> | null)[];
}

/** The shape of a value (digits -> 9, letters -> a), to tell a swallowed record from a wrapped answer line. */
const shape = (v: string) => {
  const t = v.trim();
  // Scores and steps, most of the values checked, without the two replacements.
  if (INTEGER.test(t)) return "9";
  if (DECIMAL.test(t)) return "9.9";
  return t.replace(/[0-9]+/g, "9").replace(/[A-Za-z]+/g, "a");
};
const INTEGER = /^[0-9]+$/;
const DECIMAL = /^[0-9]+\.[0-9]+$/;
/** Values per column whose shape the check pass remembers having seen (ids repeat; scores mostly do not). */
const SEEN_VALUES = 4096;

/**
 * What the swallowed-record check learns from the rows (scanCsv over a whole file, readCsvOnce as
 * it reads): the header record, whether the first column holds ids (no spaces) in every row with
 * the header's field count, and per column the shapes its values take (null once a value holds
 * whitespace). Rows are seen in file order; the result depends only on the rows seen.
 */
class RowShapes {
  header: RawRecord | null = null;
  private full = 0;
  private idLike = true;
  private shapes: (Set<string> | null)[] = [];
  private seenValues: Set<string>[] = [];

  see(r: RawRecord): void {
    if (!this.header) {
      this.header = r;
      this.shapes = r.record.map(() => new Set<string>());
      this.seenValues = r.record.map(() => new Set<string>());
      return;
    }
    if (r.record.length !== this.header.record.length) return;
    this.full++;
    const first = r.record[0]!.trim();
    if (first === "" || /\s/.test(first)) this.idLike = false;
    if (!this.idLike) return;
    const shapes = this.shapes;
    for (let j = 0; j < shapes.length; j++) {
      const s = shapes[j];
      if (!s) continue;
      const raw = r.record[j]!;
      const known = this.seenValues[j]!;
      if (known.has(raw)) continue;
      if (known.size < SEEN_VALUES) known.add(raw);
      const v = raw.trim();
      if (/\s/.test(v)) shapes[j] = null;
      else s.add(shape(v));
    }
  }

  /** The check's knowledge of the rows seen so far (CsvScan's idLike and columnShapes). */
  knowledge(): Pick<CsvScan, "idLike" | "columnShapes"> {
    const idLike = this.idLike && this.full > 0;
    return {idLike, columnShapes: idLike ? this.shapes : this.shapes.map(() => null)};
  }
}

/**
 * The header's column names: trimmed; an empty name (a pandas index column) becomes `index`; a
 * repeated name is an error (file:line): which of the two columns a mapping or a role means cannot
 * be told, and silently renaming one changed what was imported.
 */
function headerColumns(label: string, head: RawRecord): string[] {
  const seen = new Map<string, number>();
  return head.record.map((raw, j) => {
    const name = raw.trim() || "index";
    const prev = seen.get(name);
    if (prev !== undefined) throw new Error(`${label}:${head.line}: header: column "${name}" appears twice (fields ${prev + 1} and ${j + 1}); rename one`);
    seen.set(name, j);
    return name;
  });
}

/**
 * First pass over a CSV file whose first record is the header. Header names are trimmed; an empty
 * header name (a pandas index column) becomes `index`; a repeated name is an error (file:line).
 * Throws an Error naming `file:line` when the file is not UTF-8, cannot be parsed (for example a
 * quote that is never closed) or has no header, in that order of precedence (a whole-file read's).
 */
export function scanCsv(file: string, label = file, chunkBytes = CHUNK_BYTES): CsvScan {
  const utf8 = new Utf8Check(label);
  const reader = new RecordReader(label);
  const rows = new RowShapes();
  let csvError: unknown = null;
  const see = (records: RawRecord[]) => {
    for (const r of records) rows.see(r);
  };
  // A record that cannot be parsed is reported after the whole file's UTF-8 check, as before.
  for (const chunk of fileChunks(file, label, chunkBytes)) {
    utf8.push(chunk);
    if (csvError === null)
      try {
        see(reader.push(chunk));
      } catch (e) {
        csvError = e;
      }
  }
  utf8.end();
  if (csvError === null)
    try {
      see(reader.end());
    } catch (e) {
      csvError = e;
    }
  if (csvError !== null) throw csvError;
  if (!rows.header) throw new Error(`${label}:1: empty CSV file (no header)`);
  return {columns: headerColumns(label, rows.header), ...rows.knowledge()};
}

/**
 * Whether line text `t` (a later line of a record spanning lines) looks like a record of its own:
 * as many comma-separated pieces as the header, the first one not empty, and every column whose
 * values never hold whitespace (ids, steps, scores; empty allowed except in the first) matched by
 * a shape its values take. A wrapped answer line that happens to start with one word and hold as
 * many commas as the header (302 of 1M rows of varied generated text) does not also have a number
 * where the scores are and an id where the ids are. Only when the first column holds ids: with
 * free text first (a question), a wrapped answer line can look like anything, so nothing is guessed.
 */
function looksLikeRecord(t: string, columns: readonly string[], k: Pick<CsvScan, "idLike" | "columnShapes">): boolean {
  if (!k.idLike) return false;
  const pieces = t.split(",");
  if (pieces.length !== columns.length || pieces[0]!.trim() === "") return false;
  return pieces.every((v, j) => {
    const allowed = k.columnShapes[j];
    return !allowed || (!/\s/.test(v.trim()) && allowed.has(shape(v)));
  });
}

/** A later line that could look like a record whatever the shapes (looksLikeRecord's test before the shapes). */
const maybeRecord = (t: string, columns: readonly string[]) => {
  const pieces = t.split(",");
  return pieces.length === columns.length && pieces[0]!.trim() !== "";
};

/**
 * A data record (not the header) as a row, or the reason it is skipped: a different number of
 * fields than the header, or a record that swallowed the records after it (`swallowed`: the index
 * in `more` of the first later line that looks like a record, or -1).
 */
function takeRecord(
  {record, line, more}: RawRecord,
  columns: readonly string[],
  swallowed: (more: string[]) => number,
): {row: TableRecord} | {skip: {line: number; reason: string}} {
  if (record.length !== columns.length)
    return {
      skip: {
        line,
        reason: `expected ${columns.length} fields (header), found ${record.length}${record.some((f) => f.includes("\n")) ? " (a quoted field spans lines: a stray quote?)" : ""}`,
      },
    };
  // A quote opened by mistake can swallow whole records and still leave the right field count.
  // The lines such a record spans then look like records themselves: as many comma-separated
  // pieces as the header, starting like other rows' first field. A wrapped answer does not.
  if (more) {
    const k = swallowed(more);
    if (k >= 0) {
      const at = line + 1 + k;
      return {
        skip: {
          line,
          reason: `the record starting on line ${line} runs on to line ${at}, which looks like a record of its own: a quote opened on line ${line} is probably never meant to span lines (fix the quoting)`,
        },
      };
    }
  }
  const values: Record<string, string> = {};
  for (let j = 0; j < columns.length; j++) values[columns[j]!] = record[j]!;
  return {row: {line, values}};
}

/** Records in batches of `size` rows (with the records skipped on the way), from `records` of the file's chunks. */
function* batched(
  records: Iterable<RawRecord[]>,
  size: number,
  take: (r: RawRecord) => ReturnType<typeof takeRecord> | null,
): Generator<Omit<TableRead, "columns">> {
  let rows: TableRecord[] = [];
  let skipped: TableRead["skipped"] = [];
  for (const list of records)
    for (const r of list) {
      const t = take(r);
      if (!t) continue;
      if ("skip" in t) skipped.push(t.skip);
      else rows.push(t.row);
      if (rows.length === size) {
        yield {rows, skipped};
        rows = [];
        skipped = [];
      }
    }
  yield {rows, skipped};
}

/** The records of a file, one list per chunk read (the last list: what the parser's end completed). */
function* fileRecords(file: string, label: string, chunkBytes: number, onChunk?: (chunk: Buffer) => void): Generator<RawRecord[]> {
  const reader = new RecordReader(label);
  for (const chunk of fileChunks(file, label, chunkBytes)) {
    onChunk?.(chunk);
    yield reader.push(chunk);
  }
  yield reader.end();
}

/**
 * Second pass: the rows of a file `scanCsv` accepted, `size` at a time (the last batch may be
 * smaller or empty; there is always at least one). Blank lines are ignored. A record with a
 * different number of fields than the header, or one that swallowed the records after it (below),
 * is reported in `skipped` (not returned).
 */
export function readCsvBatches(file: string, label: string, scan: CsvScan, size: number, chunkBytes = CHUNK_BYTES): Generator<Omit<TableRead, "columns">> {
  const {columns} = scan;
  let header = true;
  const swallowed = (more: string[]) => more.findIndex((t) => looksLikeRecord(t, columns, scan));
  return batched(fileRecords(file, label, chunkBytes), size, (r) => {
    if (header) {
      header = false;
      return null;
    }
    return takeRecord(r, columns, swallowed);
  });
}

/** readCsvOnce's outcome, known when its last batch has been taken. */
export interface CsvOnce {
  /** The header's columns (after the first batch). */
  columns: string[];
  /**
   * Whether every batch is what scanCsv + readCsvBatches give. False when a record spanning lines
   * was judged (swallowed records or not) on what the rows before it showed and the whole file
   * judges it otherwise: the rows must then be read again the two-pass way.
   */
  held: boolean;
}

/** Candidate lines kept for the final check (readCsvOnce): past this many the read gives up (held false). */
const MAX_CANDIDATES = 100_000;

/**
 * The rows of a CSV file in one pass, `size` at a time, for a caller that can discard them (an
 * import lane's own sink, loaders/run/stream-lanes.ts): the file is parsed once instead of twice.
 * What the two-pass read learns from the whole file first (UTF-8, every record readable, the
 * header, the shapes the swallowed-record check reads) is learnt as the rows come; a record
 * spanning lines is judged on the rows before it, and its candidate lines are kept so the whole
 * file's judgement is checked at the end (`out.held`). Throws on anything the first pass rejects
 * (UTF-8, an unreadable record, no header, a repeated name), but not with the two-pass read's
 * precedence: the caller reads the file the two-pass way for the error it reports.
 */
export function* readCsvOnce(file: string, label: string, size: number, out: CsvOnce, chunkBytes = CHUNK_BYTES): Generator<Omit<TableRead, "columns">> {
  const utf8 = new Utf8Check(label);
  const rows = new RowShapes();
  let columns: string[] | null = null;
  // Per record spanning lines with a candidate line: the later lines that could look like a record (index in `more`) and the index judged.
  const judged: {candidates: [number, string][]; k: number}[] = [];
  let kept = 0;
  const swallowed = (more: string[]) => {
    const k = more.findIndex((t) => looksLikeRecord(t, columns!, rows.knowledge()));
    const candidates: [number, string][] = [];
    for (const [i, t] of more.entries()) if (maybeRecord(t, columns!)) candidates.push([i, t]);
    // Past the bound nothing more is kept: the read does not hold whatever the judgements.
    if (candidates.length && (kept += candidates.length) <= MAX_CANDIDATES) judged.push({candidates, k});
    return k;
  };
  yield* batched(
    fileRecords(file, label, chunkBytes, (chunk) => utf8.push(chunk)),
    size,
    (r) => {
      rows.see(r);
      if (!columns) {
        out.columns = columns = headerColumns(label, r);
        return null;
      }
      return takeRecord(r, columns, swallowed);
    },
  );
  utf8.end();
  if (!rows.header) throw new Error(`${label}:1: empty CSV file (no header)`);
  const whole = rows.knowledge();
  out.held = kept <= MAX_CANDIDATES && judged.every(({candidates, k}) => (candidates.find(([, t]) => looksLikeRecord(t, columns!, whole))?.[0] ?? -1) === k);
}

/**
 * A whole CSV file (scanCsv, then every batch of readCsvBatches): for small files (labels, training
 * logs). `chunkBytes`: bytes per read (tests use tiny chunks to put boundaries everywhere).
 */
export function readCsv(file: string, label = file, chunkBytes = CHUNK_BYTES): TableRead {
  const scan = scanCsv(file, label, chunkBytes);
  const out: TableRead = {columns: scan.columns, rows: [], skipped: []};
  for (const b of readCsvBatches(file, label, scan, Number.POSITIVE_INFINITY, chunkBytes)) {
    for (const r of b.rows) out.rows.push(r);
    for (const s of b.skipped) out.skipped.push(s);
  }
  return out;
}
