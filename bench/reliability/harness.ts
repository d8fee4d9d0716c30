// The reliability probe's machinery (issue 23): a logging OpenAI-compatible server on 127.0.0.1 with
// the judges and faults the cases need, the real `em` entry point in a child process with a
// timeout, and the classification of each outcome. The cases are in cases.ts; probe.ts runs them.
import {spawn} from "node:child_process";
import {readdirSync, readFileSync, statSync} from "node:fs";
import http from "node:http";
import type {AddressInfo} from "node:net";
import path from "node:path";
import {main} from "../../loaders/cli.ts";
import {ROOT} from "../../loaders/paths.ts";
import {captureOutput} from "../../test/helpers/capture.ts";
import {defaultJudge, startTestServer, type RecordedRequest, type TestServer} from "../../test/helpers/openai-test-server.ts";

/**
 * handled: an error naming the file, line or field, the right exit code, no request, the folder
 * unchanged; or a usable input read right (checked in the output). counted: a change or a failure
 * the run reports with counts (stderr, stdout, provenance) and the exit code says. unclear: anything
 * else that stops (a wrong message or code, a request sent, a file written). hang: no exit within
 * the case's time. silent: exit 0 with the input changed and nothing said. skipped: the machine
 * cannot stage it (the reason is given).
 */
export type Outcome = "handled" | "counted" | "unclear" | "hang" | "silent" | "skipped";
export const OUTCOMES: readonly Outcome[] = ["handled", "counted", "unclear", "hang", "silent", "skipped"];

export interface Verdict {
  outcome: Outcome;
  detail: string;
}

export interface EmResult {
  code: number | null;
  out: string;
  err: string;
  /** Killed after the timeout. */
  hung: boolean;
  seconds: number;
}

/** Models the probe server serves, each with a behaviour (see startProbeServer). */
export const MODELS = ["gen-model", "judge-model", "split-judge", "digit-judge", "wide-judge", "hang-model", "busy-model"] as const;

export interface ProbeServers {
  server: TestServer;
  /** A server answering an HTML login page, and a closed port (corpus `__HTML_URL__`, `__DEAD_URL__`). */
  htmlUrl: string;
  deadUrl: string;
  close(): Promise<void>;
}

/**
 * The logging server: judge-model answers a hash-derived spread of whole-number tokens;
 * split-judge's tokenizer splits "100" ("10" then "0"); digit-judge writes every number digit by
 * digit ("7" then "5"); wide-judge answers in full-width digits; hang-model answers after 20 s;
 * busy-model answers 429 with Retry-After 30.
 */
export async function startProbeServers(): Promise<ProbeServers> {
  const server = await startTestServer({
    models: [...MODELS],
    judge: (prompt, body) => {
      if (body.model === "split-judge")
        return [
          ["10", Math.log(0.97)],
          ["9", Math.log(0.03)],
        ];
      if (body.model === "digit-judge")
        return [
          ["7", Math.log(0.8)],
          ["8", Math.log(0.2)],
        ];
      if (body.model === "wide-judge")
        return [
          ["８０", Math.log(0.6)],
          ["９０", Math.log(0.4)],
        ];
      return defaultJudge(prompt);
    },
    judgeNext: (_prompt, body) => {
      if (body.model === "split-judge")
        return [
          ["0", Math.log(0.99)],
          ["\n", Math.log(0.01)],
        ];
      if (body.model === "digit-judge")
        return [
          ["5", Math.log(0.95)],
          ["0", Math.log(0.05)],
        ];
      return "stop";
    },
    reply: (body) => {
      if (body.model === "hang-model") return {delay: 20_000};
      if (body.model === "busy-model") return {status: 429, headers: {"retry-after": "30"}, body: {error: {message: "rate limited", type: "rate_limit"}}};
      return undefined;
    },
  });
  const html = http.createServer((_req, res) => {
    res.writeHead(200, {"content-type": "text/html"});
    res.end("<!doctype html><html><body>Please log in</body></html>");
  });
  await new Promise<void>((r) => html.listen(0, "127.0.0.1", r));
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
  const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/v1`;
  await new Promise<void>((r) => dead.close(() => r()));
  return {
    server,
    htmlUrl: `http://127.0.0.1:${(html.address() as AddressInfo).port}/v1`,
    deadUrl,
    async close() {
      await server.close();
      html.closeAllConnections();
      await new Promise<void>((r) => html.close(() => r()));
    },
  };
}

/**
 * inProcess: `em` calls the entry point's `main` in this process (the smoke test: a process start
 * costs seconds on a busy machine) instead of a child process; a hang is then seen only when it
 * waits (a timer, the network), not when it spins.
 */
export const mode = {inProcess: false};

async function emInProcess(args: string[], cwd: string, timeoutMs: number): Promise<EmResult> {
  const t0 = performance.now();
  const here = process.cwd();
  process.chdir(cwd);
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)));
    const run = captureOutput(() => main(args));
    const done = await Promise.race([run, timeout]);
    clearTimeout(timer);
    const seconds = (performance.now() - t0) / 1000;
    return done ? {code: done.value, out: done.out, err: done.err, hung: false, seconds} : {code: null, out: "", err: "", hung: true, seconds};
  } finally {
    process.chdir(here);
  }
}

/** Run the real `em` entry point in a child process (see `mode`); killed (hung: true) after `timeoutMs`. */
export function em(
  args: string[],
  {cwd, timeoutMs = 60_000, env, inProcess = mode.inProcess}: {cwd: string; timeoutMs?: number; env?: Record<string, string>; inProcess?: boolean},
): Promise<EmResult> {
  if (inProcess) return emInProcess(args, cwd, timeoutMs);
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, "bin/em.js"), ...args], {cwd, stdio: ["ignore", "pipe", "pipe"], env: {...process.env, ...env}});
  let out = "";
  let err = "";
  let hung = false;
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({code, out, err, hung, seconds: (performance.now() - t0) / 1000});
    }),
  );
}

/** Every file and folder below `dir` (relative, sorted, folders with a trailing slash) and each file's bytes. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const rel = path.relative(dir, p);
      const st = statSync(p);
      if (st.isDirectory()) {
        out.set(rel + "/", "");
        walk(p);
      } else out.set(rel, readFileSync(p).toString("base64"));
    }
  };
  walk(dir);
  return out;
}

const sameSnapshot = (a: Map<string, string>, b: Map<string, string>) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

/** Chat requests the server received since `from` (an index into server.requests). */
export const postsSince = (server: TestServer, from: number): RecordedRequest[] => server.requests.slice(from).filter((r) => r.method === "POST");

const clip = (s: string, n = 160) => {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > n ? one.slice(0, n - 3) + "..." : one;
};

/** The line of `text` that matches `re` (for the report), else its first line. */
export function lineOf(text: string, re: RegExp): string {
  return clip(text.split("\n").find((l) => re.test(l)) ?? text.split("\n").find((l) => l.trim()) ?? "");
}

/**
 * An input that must be refused: handled when the exit code and message match, no request was
 * sent and the folder is unchanged; silent when it exited 0; hang when killed; else unclear.
 */
export function expectRefused(
  r: EmResult,
  want: {code: number; message: RegExp; posts: number; before: Map<string, string>; after: Map<string, string>},
): Verdict {
  const all = r.out + r.err;
  if (r.hung) return {outcome: "hang", detail: `no exit after ${r.seconds.toFixed(0)} s`};
  if (r.code === 0) return {outcome: "silent", detail: `exit 0: ${lineOf(all, /./)}`};
  const problems: string[] = [];
  if (r.code !== want.code) problems.push(`exit ${r.code}, expected ${want.code}`);
  if (!want.message.test(all)) problems.push(`message not as expected: ${lineOf(all, /error|:/)}`);
  if (want.posts) problems.push(`${want.posts} request(s) sent`);
  if (!sameSnapshot(want.before, want.after)) problems.push("the folder changed");
  if (problems.length) return {outcome: "unclear", detail: problems.join("; ")};
  return {outcome: "handled", detail: `exit ${r.code}: ${lineOf(all, want.message)}`};
}

/**
 * A usable input or a fault the run must report: `check` returns null when the result is right
 * (handled when `counted` is false: the input was read right, nothing to count), else what is wrong.
 * Counted when the exit code matches and `said` is found in stdout or stderr; silent when it exited
 * 0 and `said` was not found (or `check` failed after exit 0); hang when killed; else unclear.
 */
export function expectReported(
  r: EmResult,
  want: {code: number; said: RegExp | null; check?: () => string | null | Promise<string | null>; counted?: boolean; as?: () => string},
): Promise<Verdict> | Verdict {
  const all = r.out + r.err;
  if (r.hung) return {outcome: "hang", detail: `no exit after ${r.seconds.toFixed(0)} s`};
  const finish = (wrong: string | null): Verdict => {
    const said = want.said ? want.said.test(all) : true;
    if (r.code === want.code && said && !wrong)
      return {
        outcome: want.counted === false ? "handled" : "counted",
        detail: `exit ${r.code}: ${want.said ? lineOf(all, want.said) : `read right: ${want.as?.() ?? "checked"}`}`,
      };
    if (r.code === 0 && (!said || wrong)) return {outcome: "silent", detail: `exit 0: ${wrong ?? "nothing said"}`};
    return {outcome: "unclear", detail: `exit ${r.code}${said ? "" : ", not said"}${wrong ? `; ${wrong}` : ""}: ${lineOf(all, /./)}`};
  };
  const w = want.check?.() ?? null;
  return w instanceof Promise ? w.then(finish) : finish(w);
}
