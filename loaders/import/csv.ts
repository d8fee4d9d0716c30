// CSV reading with csv-parse (RFC 4180): quoted fields spanning lines, doubled quotes, a UTF-8 BOM,
// CRLF or LF line ends (even mixed in one file), and stray quotes inside unquoted fields.
// Line numbers are computed from byte offsets because csv-parse's own line counter counts a
// quoted CRLF twice.

import {readFileSync} from "node:fs";
import {parse} from "csv-parse/sync";

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
function lineStarts(buf: Uint8Array): number[] {
  const starts = [0];
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
 * name (a pandas index column) becomes `index`; a repeated name gets a `_2`, `_3`... suffix.
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
  const seen = new Map<string, number>();
  const columns = records[0]!.record.map((raw) => {
    let name = raw.trim() || "index";
    const k = (seen.get(name) ?? 0) + 1;
    seen.set(name, k);
    if (k > 1) name = `${name}_${k}`;
    return name;
  });
  const rows: TableRecord[] = [];
  const skipped: TableRead["skipped"] = [];
  for (const {record, start} of records.slice(1)) {
    const line = lineAt(starts, start);
    if (record.length !== columns.length) {
      skipped.push({line, reason: `expected ${columns.length} fields (header), found ${record.length}`});
      continue;
    }
    const values: Record<string, string> = {};
    columns.forEach((c, j) => (values[c] = record[j]!));
    rows.push({line, values});
  }
  return {columns, rows, skipped};
}
