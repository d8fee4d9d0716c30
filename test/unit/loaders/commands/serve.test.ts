// The README's serve command, as a user runs it: `npm run serve -- --dist DIR --port 0` serves a
// built site with Framework's clean URLs (/page -> page.html, /dir/ -> dir/index.html) and byte
// ranges (206 with the exact bytes, 416 past the end), which /responses needs and Python's
// http.server does not do; Ctrl-C (SIGINT) stops it.
import assert from "node:assert/strict";
import {type ChildProcess, spawn} from "node:child_process";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {fileURLToPath} from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const dist = mkdtempSync(path.join(os.tmpdir(), "em-serve-"));
let child: ChildProcess | null = null;
after(() => {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(dist, {recursive: true, force: true});
});

test("npm run serve: clean URLs (/sensitivity -> sensitivity.html, /reports/ -> reports/index.html), byte ranges, 404 for a missing page, stops on SIGINT", {
  timeout: 60_000,
}, async () => {
  writeFileSync(path.join(dist, "index.html"), "<p>overview</p>");
  writeFileSync(path.join(dist, "sensitivity.html"), "<p>sensitivity</p>");
  mkdirSync(path.join(dist, "reports"));
  writeFileSync(path.join(dist, "reports/index.html"), "<p>reports</p>");
  const bytes = Uint8Array.from({length: 1000}, (_, i) => (i * 7) % 256);
  writeFileSync(path.join(dist, "texts.parquet"), bytes);

  // Its own process group, so the test stops npm and the server it starts by that group's id.
  child = spawn("npm", ["run", "--silent", "serve", "--", "--dist", dist, "--port", "0"], {cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"]});
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child!.stdout!.on("data", (d) => {
      out += String(d);
      const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    child!.on("exit", (code) => reject(new Error(`npm run serve exited ${code} before listening: ${stderr}`)));
  });

  assert.equal(await (await fetch(`${url}/`)).text(), "<p>overview</p>");
  const page = await fetch(`${url}/sensitivity`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /text\/html/);
  assert.equal(await page.text(), "<p>sensitivity</p>");
  assert.equal(await (await fetch(`${url}/reports/`)).text(), "<p>reports</p>");
  assert.equal((await fetch(`${url}/no-such-page`)).status, 404);

  const part = await fetch(`${url}/texts.parquet`, {headers: {Range: "bytes=100-149"}});
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), "bytes 100-149/1000");
  assert.deepEqual(new Uint8Array(await part.arrayBuffer()), bytes.subarray(100, 150));
  const tail = await fetch(`${url}/texts.parquet`, {headers: {Range: "bytes=-10"}});
  assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), bytes.subarray(990));
  assert.equal((await fetch(`${url}/texts.parquet`, {headers: {Range: "bytes=1000-"}})).status, 416);

  // Ctrl-C signals the whole foreground group: npm ends by the signal, the server stops cleanly.
  const exited = new Promise<{code: number | null; signal: string | null}>((resolve) => child!.on("exit", (code, signal) => resolve({code, signal})));
  process.kill(-child.pid!, "SIGINT");
  const end = await exited;
  assert.ok(end.code === 0 || end.signal === "SIGINT", `${JSON.stringify(end)}: ${stderr}`);
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(fetch(`${url}/`), "the server stopped listening");
});
