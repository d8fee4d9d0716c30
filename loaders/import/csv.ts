// CSV reading with csv-parse (RFC 4180): quoted fields spanning lines, doubled quotes, a UTF-8 BOM,
// CRLF or LF line ends (even mixed in one file), and stray quotes inside unquoted fields.
// Line numbers are computed from byte offsets because csv-parse's own line counter counts a
// quoted CRLF twice.

import {readFileSync} from "node:fs";
import {parse} from "csv-parse/sync";
import {checkUtf8, toUtf8} from "../text.ts";

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

/** Sorted offsets of the first byte of each line (line 1 starts at 0). */
function lineStarts(buf: Buffer): number[] {
  const starts = [0];
  // Most files have no CR at all: then Buffer.indexOf (native memchr) finds the line ends, instead
  // of a JS loop over every byte (~1.3 s of a million-answer import).
  if (buf.indexOf(0x0d) < 0) {
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) starts.push(i + 1);
    return starts;
  }
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b === 0x0a) starts.push(i + 1);
    else if (b === 0x0d && buf[i + 1] !== 0x0a) starts.push(i + 1);
  }
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** Skip blank-line bytes so a record's start offset points at its first field. */
function skipNewlines(buf: Uint8Array, offset: number): number {
  while (offset < buf.length && (buf[offset] === 0x0a || buf[offset] === 0x0d)) offset++;
  return offset;
}

/**
 * Read a CSV file whose first record is the header. Header names are trimmed; an empty header
 * name (a pandas index column) becomes `index`; a repeated name is an error (file:line).
 * Blank lines are ignored. A record with a different number of fields than the header is
 * reported in `skipped` (not returned). Throws an Error naming `file:line` when the file cannot
 * be parsed (for example a quote that is never closed) or has no header.
 */
export function readCsv(file: string, label = file): TableRead {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new Error(`${label}: cannot read file: ${(e as Error).message}`);
  }
  buf = toUtf8(buf);
  checkUtf8(buf, label);
  const starts = lineStarts(buf);
  const hasBom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  let lastEnd = hasBom ? 3 : 0;
  let records: {record: string[]; start: number}[] = [];
  try {
    // on_record returns our own shape; csv-parse's types only model arrays without `columns`.
    records = parse(buf, {
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      record_delimiter: ["\r\n", "\n"],
      on_record: (record, context) => {
        const start = skipNewlines(buf, lastEnd);
        lastEnd = context.bytes;
        return {record, start} as unknown as string[];
      },
    }) as unknown as {record: string[]; start: number}[];
  } catch (e) {
    const line = lineAt(starts, skipNewlines(buf, lastEnd));
    throw new Error(`${label}:${line}: unreadable CSV record starting on this line: ${(e as Error).message}`);
  }
  if (records.length === 0) throw new Error(`${label}:1: empty CSV file (no header)`);
  // A repeated header name is an error: which of the two columns a mapping or a role means
  // cannot be told, and silently renaming one changed what was imported.
  const seen = new Map<string, number>();
  const columns = records[0]!.record.map((raw, j) => {
    const name = raw.trim() || "index";
    const prev = seen.get(name);
    if (prev !== undefined)
      throw new Error(`${label}:${lineAt(starts, records[0]!.start)}: header: column "${name}" appears twice (fields ${prev + 1} and ${j + 1}); rename one`);
    seen.set(name, j);
    return name;
  });
  // One line's text, decoded from its bytes when a record spans lines (the swallowed-record check
  // below). `starts` are byte offsets: slicing the decoded file with them drifted by one position
  // per multi-byte character before the line, and decoding the whole file cost its size again.
  const lineText = (n: number) => buf.toString("utf8", starts[n - 1]!, n < starts.length ? starts[n]! : buf.length).replace(/\r?\n$|\r$/, "");
  // The shape of first-column values (digits -> 9, letters -> a), to tell a swallowed record from a wrapped answer line.
  const shape = (v: string) =>
    v
      .trim()
      .replace(/[0-9]+/g, "9")
      .replace(/[A-Za-z]+/g, "a");
  // Only when the first column holds ids (no spaces: an index, a question id); with free text
  // first (a question), a wrapped answer line can look like anything, so nothing is guessed.
  const firstValues = records
    .slice(1)
    .filter((r) => r.record.length === columns.length)
    .map((r) => r.record[0]!.trim());
  const idLike = firstValues.length > 0 && firstValues.every((v) => v !== "" && !/\s/.test(v));
  // Every column whose values never hold whitespace (ids, steps, scores; empty allowed except in
  // the first) constrains a candidate line too: a wrapped answer line that happens to start with
  // one word and hold as many commas as the header (302 of 1M rows of varied generated text) does
  // not also have a number where the scores are and an id where the ids are.
  const fullRows = idLike ? records.slice(1).filter((r) => r.record.length === columns.length) : [];
  const columnShapes: (Set<string> | null)[] = columns.map((_, j) => {
    if (!idLike) return null;
    const shapes = new Set<string>();
    for (const r of fullRows) {
      const v = r.record[j]!.trim();
      if (/\s/.test(v)) return null;
      shapes.add(shape(v));
    }
    return shapes;
  });
  const looksLikeRecord = (t: string): boolean => {
    if (!idLike) return false;
    const pieces = t.split(",");
    if (pieces.length !== columns.length || pieces[0]!.trim() === "") return false;
    return pieces.every((v, j) => {
      const allowed = columnShapes[j];
      return !allowed || (!/\s/.test(v.trim()) && allowed.has(shape(v)));
    });
  };
  const rows: TableRecord[] = [];
  const skipped: TableRead["skipped"] = [];
  for (let i = 1; i < records.length; i++) {
    const {record, start} = records[i]!;
    const line = lineAt(starts, start);
    if (record.length !== columns.length) {
      skipped.push({
        line,
        reason: `expected ${columns.length} fields (header), found ${record.length}${record.some((f) => f.includes("\n")) ? " (a quoted field spans lines: a stray quote?)" : ""}`,
      });
      continue;
    }
    // A quote opened by mistake can swallow whole records and still leave the right field count.
    // The lines such a record spans then look like records themselves: as many comma-separated
    // pieces as the header, starting like other rows' first field. A wrapped answer does not.
    if (record.some((f) => f.includes("\n") || f.includes("\r"))) {
      const end = i + 1 < records.length ? lineAt(starts, records[i + 1]!.start) - 1 : starts.length;
      let swallowed = 0;
      for (let n = line + 1; n <= end; n++) {
        if (looksLikeRecord(lineText(n))) {
          swallowed = n;
          break;
        }
      }
      if (swallowed) {
        skipped.push({
          line,
          reason: `the record starting on line ${line} runs on to line ${swallowed}, which looks like a record of its own: a quote opened on line ${line} is probably never meant to span lines (fix the quoting)`,
        });
        continue;
      }
    }
    const values: Record<string, string> = {};
    columns.forEach((c, j) => (values[c] = record[j]!));
    rows.push({line, values});
  }
  return {columns, rows, skipped};
}
