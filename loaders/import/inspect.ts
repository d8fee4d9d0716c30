// UK AISI Inspect evaluation logs: `.eval` files (zip archives: header.json + samples/<id>_epoch_<n>.json)
// and the older single-file `.json` logs ({version, status, eval, plan, results, stats, samples}).
// Sample content may be condensed into `attachment://<hash>` references resolved from the
// sample's `attachments` table.

import {readFileSync} from "node:fs";
import {strFromU8, unzipSync} from "fflate";
import {decodeUtf8} from "../text.ts";
import {parseJsonWithPosition} from "./jsonl.ts";

/** One scorer's result on one sample, as Inspect stores it. */
export interface InspectScore {
  value: unknown;
  answer?: unknown;
  explanation?: unknown;
  metadata?: unknown;
}

export interface InspectSample {
  /** Where the sample came from, e.g. `run.eval!samples/3_epoch_1.json` or `run.json#samples[2]`. */
  where: string;
  id: string;
  epoch: number;
  question: string;
  system: string | null;
  response: string;
  target: string | null;
  scores: Record<string, InspectScore>;
  metadata: Record<string, unknown>;
  /** The sample's error message when the run failed on it. */
  error: string | null;
}

export interface InspectLog {
  task: string | null;
  /** Evaluated model as Inspect names it (`openai/gpt-4o-mini`). */
  model: string | null;
  status: string | null;
  created: string | null;
  samples: InspectSample[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

function resolveAttachments(v: unknown, att: Record<string, unknown>): unknown {
  if (typeof v === "string") {
    if (v.startsWith("attachment://")) {
      const hit = att[v.slice("attachment://".length)];
      return typeof hit === "string" ? hit : v;
    }
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => resolveAttachments(x, att));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveAttachments(x, att)]));
  return v;
}

/** Text of a chat message content: a string, or a list of content parts whose text parts are joined. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (typeof p === "string" ? p : isObj(p) && typeof p.text === "string" ? p.text : ""))
      .filter((s) => s !== "")
      .join("\n");
  }
  return "";
}

function normalizeSample(raw: unknown, where: string): InspectSample {
  if (!isObj(raw)) throw new Error(`${where}: sample is not a JSON object`);
  const s = resolveAttachments(raw, isObj(raw.attachments) ? raw.attachments : {}) as Json;
  let question = "";
  let system: string | null = null;
  if (typeof s.input === "string") question = s.input;
  else if (Array.isArray(s.input)) {
    const msgs = s.input.filter(isObj);
    const sys = msgs.filter((m) => m.role === "system").map((m) => contentText(m.content));
    if (sys.length) system = sys.join("\n");
    const users = msgs.filter((m) => m.role === "user");
    question = contentText((users[users.length - 1] ?? msgs[msgs.length - 1])?.content);
  }
  let response = "";
  const out = isObj(s.output) ? s.output : {};
  if (typeof out.completion === "string" && out.completion !== "") response = out.completion;
  else if (Array.isArray(out.choices) && isObj(out.choices[0]) && isObj(out.choices[0].message)) {
    response = contentText(out.choices[0].message.content);
  }
  const scores: Record<string, InspectScore> = {};
  if (isObj(s.scores)) for (const [k, v] of Object.entries(s.scores)) scores[k] = isObj(v) ? (v as unknown as InspectScore) : {value: v};
  const target = typeof s.target === "string" ? s.target : Array.isArray(s.target) ? s.target.join(" | ") : null;
  const err = s.error;
  const error = err == null ? null : isObj(err) && typeof err.message === "string" ? err.message : String(err);
  return {
    where,
    id: String(s.id ?? ""),
    epoch: typeof s.epoch === "number" ? s.epoch : 1,
    question,
    system,
    response,
    target,
    scores,
    metadata: isObj(s.metadata) ? s.metadata : {},
    error,
  };
}

function headerInfo(h: Json): Omit<InspectLog, "samples"> {
  const ev = isObj(h.eval) ? h.eval : {};
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return {task: str(ev.task), model: str(ev.model), status: str(h.status), created: str(ev.created)};
}

/** Natural order of samples: by id (numerically when both ids are numbers), then epoch. */
function sampleOrder(a: InspectSample, b: InspectSample): number {
  const na = Number(a.id);
  const nb = Number(b.id);
  const byId = a.id !== "" && b.id !== "" && Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return byId || a.epoch - b.epoch;
}

/**
 * Read an Inspect log (`.eval` zip or `.json`). Samples are returned in id, epoch order.
 * Throws an Error naming the file (and, inside an archive, the member and line:col) when the
 * file is not a readable log.
 */
export function readInspectLog(file: string, label = file): InspectLog {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new Error(`${label}: cannot read file: ${(e as Error).message}`);
  }
  const isZip = buf[0] === 0x50 && buf[1] === 0x4b;
  if (!isZip) {
    const doc = parseJsonWithPosition(decodeUtf8(buf, label), label);
    if (!isObj(doc) || !isObj(doc.eval))
      throw new Error(
        `${label}: not an Inspect log (no "eval" object at the top level); for other JSON set format: json and records: <path to the records> (docs/importing.md)`,
      );
    const samples = Array.isArray(doc.samples) ? doc.samples : [];
    return {...headerInfo(doc), samples: samples.map((s, k) => normalizeSample(s, `${label}#samples[${k}]`)).sort(sampleOrder)};
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  } catch (e) {
    throw new Error(`${label}: unreadable .eval archive (zip): ${(e as Error).message}`);
  }
  const member = (name: string): unknown => parseJsonWithPosition(strFromU8(entries[name]!), `${label}!${name}`);
  const headerName = "header.json" in entries ? "header.json" : "_journal/start.json" in entries ? "_journal/start.json" : null;
  if (!headerName) throw new Error(`${label}: not an Inspect .eval log (no header.json or _journal/start.json in the archive)`);
  const header = member(headerName);
  if (!isObj(header)) throw new Error(`${label}!${headerName}: not a JSON object`);
  const names = Object.keys(entries).filter((n) => /^samples\/[^/]+\.json$/.test(n));
  const samples = names.map((n) => normalizeSample(member(n), `${label}!${n}`)).sort(sampleOrder);
  return {...headerInfo(header), samples};
}
