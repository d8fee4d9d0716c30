// search.bin in shards (src/lib/text-search.ts): written by PostingsBuilder.finish with small shards
// so one vocabulary spans many, served by the real static server, read back by range through
// texts-store.ts openSearch; every query checked against a brute-force scan of the same texts.
import {test, after, before} from "node:test";
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import {join} from "node:path";
import {openSearch} from "../../../src/components/texts-store.ts";
import {PostingsBuilder, PREFIX_MIN, readDirectory, shardTokens, shardsFor, tokenize, type SearchDirectory} from "../../../src/lib/text-search.ts";
import {makeRng, randInt} from "../../../src/lib/em/prng.ts";
import {concatBytes} from "../../../loaders/site-texts.ts";
import {serveStatic, type StaticServer} from "../../../loaders/static-server.ts";
import {tempDir} from "../../helpers/tmp.ts";

const concat = concatBytes;

// A seeded vocabulary with shared prefixes (so prefix runs cross shard boundaries) and texts of 1-12 words.
const rng = makeRng(20261206);
const letters = "abcdeéz";
const vocab = [...new Set(Array.from({length: 400}, () => Array.from({length: 2 + randInt(rng, 6)}, () => letters[randInt(rng, letters.length)]).join("")))];
const ROWS = 3000;
const texts = Array.from({length: ROWS}, () => Array.from({length: 1 + randInt(rng, 12)}, () => vocab[randInt(rng, vocab.length)]).join(" "));
const SHARD = 7;

let server: StaticServer;
let dir: SearchDirectory;
const file = (b: PostingsBuilder, shard: number) => concat(b.finish(shard));

before(async () => {
  const folder = tempDir("em-search-");
  const b = new PostingsBuilder();
  texts.forEach((t, rid) => b.add(rid, tokenize(t)));
  const bytes = file(b, SHARD);
  const d = readDirectory(bytes);
  assert.ok(!("need" in d));
  dir = d;
  writeFileSync(join(folder, "search.bin"), bytes);
  const empty = new PostingsBuilder();
  empty.rows = 5;
  writeFileSync(join(folder, "empty.bin"), file(empty, SHARD));
  writeFileSync(join(folder, "other.bin"), new TextEncoder().encode("EMS1\u0000\u0000\u0000\u0000"));
  server = await serveStatic(folder);
});
after(() => server.close());

test("finish(shard): the directory lists every token once, shards in token order, byte ranges tiling the file", () => {
  const b = new PostingsBuilder();
  texts.forEach((t, rid) => b.add(rid, tokenize(t)));
  const bytes = file(b, SHARD);
  const distinct = new Set(texts.flatMap((t) => [...tokenize(t)]));
  assert.equal(dir.rows, ROWS);
  assert.equal(dir.tokens, distinct.size);
  assert.equal(dir.shards.length, Math.ceil(distinct.size / SHARD));
  let at = dir.shards[0]!.offset;
  for (const [k, s] of dir.shards.entries()) {
    assert.equal(s.offset, at, `shard ${k} starts where the one before ends`);
    if (k) assert.ok(dir.shards[k - 1]!.first < s.first);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(s.offset + 4, s.offset + 4 + s.header)));
    assert.equal(header.tokens[0], s.first);
    assert.equal(header.tokens.length, k < dir.shards.length - 1 ? SHARD : distinct.size - SHARD * k);
    assert.equal(4 + s.header + header.ends.at(-1), s.bytes);
    at += s.bytes;
  }
  assert.equal(at, bytes.length, "the last shard ends at the end of the file");
  // Deterministic: the same input gives the same bytes.
  const again = new PostingsBuilder();
  texts.forEach((t, rid) => again.add(rid, tokenize(t)));
  assert.deepEqual(file(again, SHARD), bytes);
});

test("openSearch over shards: every vocabulary word, its prefixes and pairs equal a brute-force scan", async () => {
  const index = await openSearch(`${server.url}/search.bin`);
  assert.equal(index.rows, ROWS);
  const words = texts.map((t) => tokenize(t));
  const brute = (q: string) =>
    words.map((w) => ([...tokenize(q)].every((x) => w.has(x) || (x.length >= PREFIX_MIN && [...w].some((y) => y.startsWith(x)))) ? 1 : 0));
  const queries = [
    ...vocab.slice(0, 60),
    ...vocab.slice(0, 60).map((v) => v.slice(0, PREFIX_MIN)),
    "a",
    "zz",
    "é",
    "ab ba",
    `${vocab[0]} ${vocab.at(-1)}`,
    "zzzzzzzz",
    "0",
  ];
  for (const q of queries) assert.deepEqual(Array.from((await index.match(q)) ?? []), brute(q), q);
  // A prefix whose run spans shards: find one and check it matched more than one shard's tokens.
  const spanning = [...new Set(vocab.map((v) => v.slice(0, PREFIX_MIN)))].find((p) => shardsFor(dir, p).length > 1);
  assert.ok(spanning, "the seeded vocabulary has a prefix over several shards");
  assert.deepEqual(Array.from((await index.match(spanning)) ?? []), brute(spanning));
});

test("openSearch reads the directory and only the shards a query touches, never the whole file", async () => {
  const size = dir.shards.at(-1)!.offset + dir.shards.at(-1)!.bytes;
  const from = server.requests.length;
  const index = await openSearch(`${server.url}/search.bin`);
  const last = dir.shards.at(-1)!.first;
  await index.match(last);
  const got = server.requests.slice(from);
  assert.ok(got.every((r) => r.status === 206));
  // Directory, one shard header, one postings range (the query's word falls in the last shard).
  assert.equal(got.length, 3, JSON.stringify(got));
  assert.deepEqual(shardsFor(dir, last), [dir.shards.length - 1]);
  const read = got.slice(1).reduce((s, r) => s + (r.bytes ?? 0), 0);
  assert.ok(read < (size - dir.shards[0]!.offset) / 4, `read ${read} of ${size} bytes`);
  // A second search of the same word reads nothing more.
  const before2 = server.requests.length;
  await index.match(last.toUpperCase());
  assert.equal(server.requests.length, before2);
});

test("shardsFor: the shard before the word, then following shards the prefix begins", () => {
  const d = {shards: ["b", "cat", "catz", "dog"].map((first) => ({first, offset: 0, header: 0, bytes: 0}))};
  assert.deepEqual(shardsFor(d, "a"), [0]);
  assert.deepEqual(shardsFor(d, "b"), [0]);
  assert.deepEqual(shardsFor(d, "ca"), [0]); // two letters: whole word only, in the shard before "cat"
  assert.deepEqual(shardsFor(d, "cat"), [1, 2]);
  assert.deepEqual(shardsFor(d, "cas"), [0]);
  assert.deepEqual(shardsFor(d, "cau"), [2]);
  assert.deepEqual(shardsFor(d, "zzz"), [3]);
  assert.deepEqual(shardsFor({shards: []}, "cat"), []);
});

test("an index with no word matches nothing; another format is an error naming it", async () => {
  const empty = await openSearch(`${server.url}/empty.bin`);
  assert.equal(empty.rows, 5);
  assert.deepEqual(Array.from((await empty.match("gold")) ?? []), [0, 0, 0, 0, 0]);
  await assert.rejects(openSearch(`${server.url}/other.bin`), /other\.bin.*not a search index: magic "EMS1", expected "EMS2"/);
  assert.throws(() => new PostingsBuilder().finish(0), /tokens per shard must be a positive integer/);
  assert.deepEqual([shardTokens(0), shardTokens(1263), shardTokens(64 * 500), shardTokens(10_000_000)], [64, 64, 500, 2048]);
});
