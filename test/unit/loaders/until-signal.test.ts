// untilSignal (loaders/until-signal.ts) keeps listening to SIGINT and SIGTERM while the caller's
// cleanup runs, so the scratch folders' signal rule (loaders/scratch.ts: end the process by the
// signal once no listener is left) does not end a process that still cleans up: the cleanup runs to
// its end and the process exits with its command's code. A second signal gives the cleanup up.
// Real processes, real signals.
import assert from "node:assert/strict";
import {existsSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {ROOT} from "../../../loaders/paths.ts";
import {childReady} from "../../helpers/lease.ts";
import {tempDir} from "../../helpers/tmp.ts";

/**
 * A child with a scratch folder (printed first) that runs `body` and exits with code 5 when it
 * returns. `keep` holds the event loop open as a command's server does (signal listeners do not):
 * the cleanup clears it.
 */
const command = (body: string) =>
  childReady(
    `import {scratchDir} from ${JSON.stringify(path.join(ROOT, "loaders/scratch.ts"))};
import {untilSignal} from ${JSON.stringify(path.join(ROOT, "loaders/until-signal.ts"))};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const keep = setInterval(() => {}, 1000);
console.log(scratchDir("em-until-signal-"));
${body}
process.exitCode = 5;`,
    {...process.env, TMPDIR: tempDir("em-until-signal-")},
  );

type Child = Awaited<ReturnType<typeof command>>;

/** Everything `child` prints from now on (stderr when piped), and how it ended (SIGKILLed after 30 s if it has not). */
function ending(child: Child) {
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const ended = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({code, signal});
    }),
  );
  return {out: () => out, err: () => err, ended};
}

// A 300 ms cleanup outlasts scratch.ts's check; a synchronous one ends before it (as em sim's and em
// serve's server.close() with no open connection do).
for (const [signal, kind, cleanup] of [
  ["SIGTERM", "a 300 ms", `async () => { await sleep(300); clearInterval(keep); console.log("cleaned up"); }`],
  ["SIGINT", "a 300 ms", `async () => { await sleep(300); clearInterval(keep); console.log("cleaned up"); }`],
  ["SIGTERM", "a synchronous", `() => { clearInterval(keep); console.log("cleaned up"); }`],
] as const)
  test(`on ${signal}, ${kind} cleanup after untilSignal runs to its end in a process with a scratch folder, which exits with the command's code`, async () => {
    const child = await command(`await untilSignal(${cleanup});`);
    const {out, ended} = ending(child);
    assert.ok(existsSync(child.line), child.line);
    child.kill(signal);
    assert.deepEqual(await ended, {code: 5, signal: null}, `stdout: ${out()}`);
    assert.match(out(), /cleaned up/);
    assert.equal(existsSync(child.line), false, "the scratch folder is removed at exit");
  });

test("a second signal during the cleanup gives it up: the process ends by that signal and its scratch folder is removed", async () => {
  const child = await command(
    `await untilSignal(async () => { console.log("cleaning"); await sleep(20_000); clearInterval(keep); console.log("cleaned up"); });`,
  );
  const {out, ended} = ending(child);
  child.kill("SIGTERM");
  for (let t = 0; !out().includes("cleaning") && t < 300; t++) await new Promise((r) => setTimeout(r, 100));
  assert.match(out(), /cleaning/);
  child.kill("SIGTERM");
  assert.deepEqual(await ended, {code: null, signal: "SIGTERM"}, `stdout: ${out()}`);
  assert.doesNotMatch(out(), /cleaned up/);
  assert.equal(existsSync(child.line), false);
});

test("em sim in a process with a scratch folder: SIGTERM closes the simulator, prints its request counts and exits 0", async () => {
  const child = await childReady(
    `import {scratchDir} from ${JSON.stringify(path.join(ROOT, "loaders/scratch.ts"))};
import {run} from ${JSON.stringify(path.join(ROOT, "loaders/commands/sim.ts"))};
scratchDir("em-until-signal-");
process.exitCode = await run(["--port", "0"]);`,
    {...process.env, TMPDIR: tempDir("em-until-signal-")},
    "pipe",
  );
  assert.match(child.line, /^http:\/\/127\.0\.0\.1:\d+/);
  const {err, ended} = ending(child);
  child.kill("SIGTERM");
  assert.deepEqual(await ended, {code: 0, signal: null}, `stderr: ${err()}`);
  assert.match(err(), /em sim: stopped after 0 requests/);
});
