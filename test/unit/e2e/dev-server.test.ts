// `npm run dev` goes through the same site data step as `npm run build` (loaders/site-data.ts, run by
// scripts/build.mjs --prepare with --dev): started as a user starts it, on a free port of 127.0.0.1,
// the preview server answers every src/data/ file from the step's output, byte for byte the file the
// build put in dist/ (where the build's stand-ins became the real files). The dev step runs after the build, on
// the cache the build left with its stand-ins: the server must not serve those. No loader runs: each
// output in Framework's cache is at least as new as its loader (the comparison Framework makes:
// loader.js, an output older than its loader is "[stale]" and the loader runs), and the served files
// leave it as it was (a loader run renames a new file over it). Checked on the files, not on
// Framework's log, whose lines can reach the pipe after the response.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {readdirSync, readFileSync, statSync} from "node:fs";
import {createServer} from "node:net";
import {join} from "node:path";
import {SITE_DATA_NAMES, STAND_IN_MAGIC} from "../../../loaders/site-data.ts";
import {ROOT, siteBuiltOn, withBuildLock} from "../../helpers/site.ts";

const FIXTURE = "test/fixtures/site/single-import.yaml";
/** Framework's loader cache: the output of src/data/NAME.ts is CACHE/NAME. */
const CACHE = join(ROOT, "src/.observablehq/cache/data");

/** A file's identity (device, inode, size, mtime): unchanged while nobody writes or replaces it. */
function identity(file: string): string {
  const st = statSync(file);
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** A port nobody listens on now, on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const {port} = s.address() as {port: number};
      s.close(() => resolve(port));
    });
  });
}

/** The file the build wrote for data file `name` (its hashed name in dist/_file/data/). */
function builtFile(dist: string, name: string): Buffer {
  const dot = name.indexOf(".");
  const re = new RegExp(`^${name.slice(0, dot).replace(/-/g, "\\-")}\\.[0-9a-f]+${name.slice(dot).replace(/\./g, "\\.")}$`);
  const hits = readdirSync(join(dist, "_file/data")).filter((f) => re.test(f));
  assert.equal(hits.length, 1, `${name} in dist/_file/data: ${hits.join(", ") || "none"}`);
  return readFileSync(join(dist, "_file/data", hits[0]!));
}

test("npm run dev serves every data file from the site data step (no loader runs), with the build's bytes", {timeout: 900_000}, async () => {
  const dist = await siteBuiltOn("single-import", [FIXTURE]);
  await withBuildLock("npm run dev", async () => {
    const port = await freePort();
    const dev = spawn("npm", ["run", "dev", "--", "--port", String(port), "--no-open"], {
      cwd: ROOT,
      env: {...process.env, EM_EXPERIMENTS: FIXTURE},
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: npm, sh, the step and the server end together
    });
    let out = "";
    let err = "";
    dev.stdout.on("data", (c) => (out += c));
    dev.stderr.on("data", (c) => (err += c));
    const exited = new Promise<number | null>((resolve) => dev.on("exit", (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}/`;
      const ready = (async () => {
        while (!out.includes(url)) await new Promise((r) => setTimeout(r, 200));
      })();
      const first = await Promise.race([ready.then(() => "ready"), exited.then((code) => `exited ${code}`)]);
      assert.equal(first, "ready", `npm run dev did not start:\n${err}\n${out}`);
      assert.match(err, /site data: \d+ written, \d+ unchanged/, "npm run dev ran the site data step");
      // Framework's own test (loader.js): its cached output at least as new as the loader, else it runs the loader.
      const before = new Map<string, string>();
      for (const name of SITE_DATA_NAMES) {
        const cached = statSync(join(CACHE, name), {throwIfNoEntry: false});
        assert.ok(cached, `${name}: no output in Framework's cache (${CACHE}): the preview server would run its loader`);
        const loader = statSync(join(ROOT, "src/data", `${name}.ts`));
        assert.ok(
          cached.mtimeMs >= loader.mtimeMs,
          `${name}: the cached output (${new Date(cached.mtimeMs).toISOString()}) is older than its loader (${new Date(loader.mtimeMs).toISOString()}): Framework would run the loader`,
        );
        before.set(name, identity(join(CACHE, name)));
      }
      for (const name of SITE_DATA_NAMES) {
        const res = await fetch(`${url}_file/data/${name}`);
        assert.equal(res.status, 200, `${name}: HTTP ${res.status}`);
        const served = Buffer.from(await res.arrayBuffer());
        assert.ok(!served.subarray(0, STAND_IN_MAGIC.length).equals(Buffer.from(STAND_IN_MAGIC)), `${name}: the server served a build stand-in`);
        assert.ok(served.length > 0, `${name}: empty`);
        assert.ok(served.equals(builtFile(dist, name)), `${name}: the dev server's bytes differ from the build's`);
        // Served from the step's output as it was: a loader run would have renamed a new file over it.
        assert.equal(identity(join(CACHE, name)), before.get(name), `${name}: Framework's cached output changed while it was served: a loader ran`);
      }
    } finally {
      if (dev.exitCode === null && dev.signalCode === null) process.kill(-dev.pid!, "SIGTERM");
      await exited;
    }
  });
});
