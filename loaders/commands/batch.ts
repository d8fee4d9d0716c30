// `em batch status|wait|cancel`: the batches `em run --batch` created, from the records it keeps in
// <cache>/batches/ (loaders/batch/store.ts). `wait` merges finished batches into the cache, so a
// run killed while its batches were in progress loses nothing: `em batch wait` then `em run`
// (with or without --batch) builds the tables from the cache.
import {existsSync} from "node:fs";
import path from "node:path";
import {parseArgs} from "node:util";
import OpenAI from "openai";
import {BatchRunner, readRecords, type BatchRecord} from "../batch/index.ts";
import {Cache} from "../cache.ts";
import {lockCache, type CacheLock} from "../cache-lock.ts";
import {redactSecret, type Endpoint} from "../client/endpoints.ts";
import {nodeFetch} from "../client/transport.ts";
import {displayPath} from "../paths.ts";
import {DEFAULT_CACHE_DIR, DEFAULT_SIM_CACHE_DIR} from "../run/index.ts";

export const USAGE = `Usage: em batch status|wait|cancel [--cache DIR]... [BATCH_ID...]

  status   the batches of the cache folder(s): local state, and the server's status
           and request counts for each pending batch
  wait     poll pending batches until they end and merge their results into the
           cache; failed and expired lines are sent again by the next em run --batch
  cancel   cancel the given batches (or every pending one); partial results are
           merged by the next wait or run

Options:
  --cache DIR    cache folder (repeatable; default: data/cache and .em/cache)
  --poll SECONDS poll interval for wait (default 30)
  -h, --help     this help

wait takes each cache folder's lock as em run does: while another em process uses the
cache it waits, naming that process.

Servers are reached at the base URL recorded with each batch, with the key from the
environment variable recorded with it. A BATCH_ID that no record names, or that the
server does not know, is an error. Exit status: 0 done; 1 bad input or unknown batch.
`;

function clientFor(r: BatchRecord): {ep: Endpoint} {
  if (r.base_url === "sim")
    throw new Error(
      `batch ${r.id}: made by an in-process simulator (base_url: sim), which ended with its run; the next em run --batch submits its requests again`,
    );
  let apiKey = "none";
  let secret: string | null = null;
  if (r.api_key_env) {
    const v = process.env[r.api_key_env];
    if (!v) throw new Error(`batch ${r.id} on ${r.base_url} needs an api key: environment variable ${r.api_key_env} is not set`);
    apiKey = secret = v;
  }
  const client = new OpenAI({baseURL: r.base_url, apiKey, maxRetries: 3, timeout: 120_000, fetch: nodeFetch});
  return {
    ep: {
      id: r.endpoint_id,
      label: r.base_url,
      url: r.base_url,
      sim: false,
      client,
      servers: [{url: r.base_url, client}],
      redact: (t) => redactSecret(t, secret),
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h") {
    process.stdout.write(USAGE);
    return sub ? 0 : 1;
  }
  if (!["status", "wait", "cancel"].includes(sub)) {
    process.stderr.write(`em batch: unknown subcommand '${sub}' (known: status, wait, cancel)\n\n${USAGE}`);
    return 1;
  }
  const {values, positionals} = parseArgs({
    args: rest,
    options: {cache: {type: "string", multiple: true}, poll: {type: "string"}, help: {type: "boolean", short: "h", default: false}},
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const poll = values.poll === undefined ? 30 : Number(values.poll);
  if (!(poll > 0)) throw new Error(`--poll '${values.poll}': expected seconds > 0`);
  const dirs = values.cache?.length ? values.cache.map((d) => path.resolve(d)) : [DEFAULT_CACHE_DIR, DEFAULT_SIM_CACHE_DIR].filter((d) => existsSync(d));
  for (const d of dirs) if (!existsSync(d)) throw new Error(`--cache ${displayPath(d)}: no such folder`);
  // `wait` writes results into the cache and the batch records: it takes each cache's lock first
  // (loaders/cache-lock.ts; sorted, as em run does), so it never runs beside an em run on that
  // cache (which would submit or merge the same batches again). status and cancel only read the
  // records and talk to the server: a cancel must reach the server while em run --batch waits.
  const held: CacheLock[] = [];
  if (sub === "wait") for (const dir of [...dirs].sort()) held.push(await lockCache(dir, {onWait: (m) => process.stderr.write(`em batch: ${m}\n`)}));
  try {
    return await subcommand(sub, dirs, positionals, poll);
  } finally {
    for (const l of held) l.release();
  }
}

async function subcommand(sub: string, dirs: string[], positionals: string[], poll: number): Promise<number> {
  const all = dirs.flatMap((dir) => readRecords(dir).map((r) => ({dir, r})));

  // The ids asked for must be ours: a typo or another project's batch is an error, not a silent no-op.
  const wanted = new Set(positionals);
  for (const id of wanted) {
    if (!all.some(({r}) => r.id === id)) {
      const known = all.filter(({r}) => r.id).map(({r}) => r.id);
      throw new Error(
        `batch ${id}: not found in ${dirs.map((d) => displayPath(path.join(d, "batches"))).join(", ") || "(no cache folder)"}${known.length ? ` (known: ${known.slice(0, 5).join(", ")}${known.length > 5 ? ", ..." : ""})` : " (no batches recorded)"}`,
      );
    }
  }
  const selected = all.filter(({r}) => (wanted.size ? wanted.has(r.id ?? "") : true));

  if (sub === "status") {
    const out: string[] = [];
    for (const {dir, r} of selected) {
      let server = "";
      if (r.state === "pending" || wanted.has(r.id ?? "")) {
        const {ep} = clientFor(r);
        try {
          const b = await ep.client.batches.retrieve(r.id!);
          const c = b.request_counts;
          server = ` | server: ${b.status}${c ? `, ${c.completed}/${c.total} done, ${c.failed} failed` : ""}`;
        } catch (error) {
          if ((error as {status?: number}).status === 404)
            throw new Error(`batch ${r.id}: ${r.base_url} does not know this batch (recorded in ${displayPath(path.join(dir, "batches", r.name + ".json"))})`);
          throw error;
        }
      }
      const res = r.result ? ` | merged: ${r.result.ok} cached, ${r.result.failed} failed, ${r.result.expired} expired, ${r.result.missing} missing` : "";
      out.push(`${r.id ?? "(not created)"} ${r.state} ${r.model} ${r.requests} requests ${r.base_url} created ${r.created_at}${server}${res}`);
    }
    process.stdout.write((out.length ? out.join("\n") : "no batches recorded") + "\n");
    return 0;
  }

  if (sub === "cancel") {
    const targets = selected.filter(({r}) => r.state === "pending");
    for (const {r} of targets) {
      const {ep} = clientFor(r);
      try {
        const b = await ep.client.batches.cancel(r.id!);
        process.stdout.write(`${r.id}: ${b.status}\n`);
      } catch (error) {
        if ((error as {status?: number}).status === 404) throw new Error(`batch ${r.id}: ${r.base_url} does not know this batch`);
        throw error;
      }
    }
    if (!targets.length) process.stdout.write("no pending batches to cancel\n");
    return 0;
  }

  // wait: group pending records by cache and endpoint; one client per group.
  const groups = new Map<string, {dir: string; rec: BatchRecord; ids: Set<string>}>();
  for (const {dir, r} of selected) {
    if (r.state !== "pending" && r.state !== "creating") continue;
    const k = `${dir}\0${r.endpoint_id}\0${r.base_url}`;
    const g = groups.get(k) ?? {dir, rec: r, ids: new Set<string>()};
    g.ids.add(r.id ?? r.name);
    groups.set(k, g);
  }
  if (!groups.size) {
    process.stdout.write("no pending batches\n");
    return 0;
  }
  const runner = new BatchRunner({pollMs: poll * 1000, onEvent: (m) => process.stdout.write(m + "\n")});
  for (const g of groups.values()) {
    const {ep} = clientFor(g.rec);
    const cache = Cache.open(g.dir);
    try {
      await runner.settle(ep, g.rec.api_key_env, cache, g.ids);
    } finally {
      cache.close();
    }
  }
  const s = runner.stats;
  process.stdout.write(
    `merged: ${s.ok} results cached, ${s.failed} failed, ${s.expired} expired, ${s.missing} without a result (sent again by the next em run --batch), ${s.lost} batch(es) unknown to the server\n`,
  );
  return s.lost ? 1 : 0;
}
