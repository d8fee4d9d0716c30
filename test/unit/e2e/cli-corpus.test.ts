// The bad-input corpus (test/fixtures/bad/<case>/, issue 14): every case is a folder of input files
// and a case.json {message, code, args?, was?}. Each runs the real `em` entry point (loaders/cli.ts
// main) against a real HTTP test server and asserts
//   - the exit code (docs/reliability.md "Exit codes"),
//   - the message (a regex naming the file and line or field),
//   - that the server received no chat request (nothing paid),
//   - that nothing was written: the case folder holds exactly the files it started with (no
//     tables, no cache shards, not even an empty folder).
// `__URL__` in the inputs is the test server, `__HTML_URL__` a server answering HTML, `__DEAD_URL__`
// a closed port; `{dir}` in args is the case's temporary copy.
import assert from "node:assert/strict";
import {cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import http from "node:http";
import type {AddressInfo} from "node:net";
import os from "node:os";
import path from "node:path";
import {after, before, test} from "node:test";
import {main} from "../../../loaders/cli.ts";
import {captureOutput} from "../../helpers/capture.ts";
import {startTestServer, type TestServer} from "../../helpers/openai-test-server.ts";

const CORPUS = path.join(import.meta.dirname, "../../fixtures/bad");

interface Case {
  message: string;
  code: number;
  args?: string[];
  was?: string;
}

let server: TestServer;
let html: http.Server;
let htmlUrl = "";
let deadUrl = "";

before(async () => {
  server = await startTestServer({models: ["gen-model", "judge-model"]});
  html = http.createServer((_req, res) => {
    res.writeHead(200, {"content-type": "text/html"});
    res.end("<!doctype html><html><body>Please log in</body></html>");
  });
  await new Promise<void>((r) => html.listen(0, "127.0.0.1", r));
  htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}/v1`;
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
  deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/v1`;
  await new Promise<void>((r) => dead.close(() => r()));
});

after(async () => {
  await server.close();
  await new Promise<void>((r) => html.close(() => r()));
});

/** Every file and folder below `dir`, relative, sorted. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      out.push(path.relative(dir, p) + (statSync(p).isDirectory() ? "/" : ""));
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * Run `em` in-process (56 cases in a second, not a minute of process starts), capturing what it
 * writes. Only writes made inside the command's async context are captured: the test runner's
 * own reporter writes to the same stdout at any time.
 */
async function em(args: string[]): Promise<{code: number; out: string}> {
  const {value: code, all} = await captureOutput(() => main(args));
  return {code, out: all};
}

const names = readdirSync(CORPUS)
  .filter((n) => statSync(path.join(CORPUS, n)).isDirectory())
  .sort();

test("the corpus has at least 40 bad inputs", () => {
  assert.ok(names.length >= 40, `${names.length} cases`);
});

for (const name of names) {
  test(`bad input ${name}`, async () => {
    const spec = JSON.parse(readFileSync(path.join(CORPUS, name, "case.json"), "utf8")) as Case;
    const dir = mkdtempSync(path.join(os.tmpdir(), `em-bad-${name}-`));
    try {
      cpSync(path.join(CORPUS, name), dir, {recursive: true});
      rmSync(path.join(dir, "case.json"));
      for (const f of readdirSync(dir)) {
        const p = path.join(dir, f);
        if (!statSync(p).isFile()) continue;
        const text = readFileSync(p, "utf8");
        const filled = text.replaceAll("__URL__", server.url).replaceAll("__HTML_URL__", htmlUrl).replaceAll("__DEAD_URL__", deadUrl);
        if (filled !== text) writeFileSync(p, filled);
      }
      const before = listing(dir);
      const contents = before.filter((f) => !f.endsWith("/")).map((f) => readFileSync(path.join(dir, f), "utf8"));
      const posts = server.requests.filter((r) => r.method === "POST").length;
      const args = (spec.args ?? ["run", "--experiment", "{dir}/exp.yaml", "--out", "{dir}/out", "--cache", "{dir}/cache", "--quiet"]).map((a) =>
        a.replaceAll("{dir}", dir),
      );
      const r = await em(args);
      assert.match(r.out, new RegExp(spec.message), `message of ${name}`);
      assert.equal(r.code, spec.code, `exit code of ${name}; output:\n${r.out}`);
      assert.equal(server.requests.filter((q) => q.method === "POST").length, posts, `${name}: no chat request may be sent`);
      assert.deepEqual(listing(dir), before, `${name}: nothing may be written`);
      assert.deepEqual(
        before.filter((f) => !f.endsWith("/")).map((f) => readFileSync(path.join(dir, f), "utf8")),
        contents,
        `${name}: inputs unchanged`,
      );
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
}
