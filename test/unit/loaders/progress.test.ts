// Progress line formatting and TTY / non-TTY behaviour.
import assert from "node:assert/strict";
import {test} from "node:test";
import {ProgressLine, compact, duration, formatProgress} from "../../../loaders/progress.ts";

const p = (done: number, total: number, elapsedMs: number) => ({done, total, cacheHits: 1200, apiCalls: 34, errors: 2, missing: 0, coalesced: 0, elapsedMs});

test("formatProgress: done/total, rate, ETA, cache hits, calls, errors", () => {
  // 500 of 2000 in 10 s = 50/s; 1500 left = 30 s
  assert.equal(formatProgress(p(500, 2000, 10_000), "x"), "x 500/2.0k (25%) | 50/s | ETA 30s | cache 1.2k | calls 34 | errors 2");
  assert.equal(formatProgress({...p(2000, 2000, 4000), missing: 7}), "2.0k/2.0k (100%) | 500/s | ETA 0s | cache 1.2k | calls 34 | errors 2 | missing 7");
  assert.equal(formatProgress(p(0, 10, 0)), "0/10 (0%) | 0/s | ETA ? | cache 1.2k | calls 34 | errors 2");
  assert.equal(formatProgress({...p(500, 2000, 10_000), coalesced: 81}), "500/2.0k (25%) | 50/s | ETA 30s | cache 1.2k | calls 34 | shared 81 | errors 2");
  assert.deepEqual([compact(999), compact(1234), compact(56_000), compact(2_500_000)], ["999", "1.2k", "56k", "2.5M"]);
  assert.deepEqual([duration(59.4), duration(125), duration(3725), duration(Infinity)], ["59s", "2m05s", "1h02m", "?"]);
});

test("ProgressLine: \\r redraws on a TTY, plain lines otherwise", () => {
  const tty: string[] = [];
  const a = new ProgressLine({stream: {write: (s: string) => (tty.push(s), true)}, tty: true});
  a.update(p(1, 4, 1000));
  a.update(p(2, 4, 1000)); // throttled (within 100 ms)
  a.end();
  assert.equal(tty.length, 3);
  assert.ok(tty[0]!.startsWith("\r1/4 (25%)"));
  assert.ok(tty[1]!.startsWith("\r2/4 (50%)"), "end() draws the latest state");
  assert.equal(tty[2], "\n");

  const plain: string[] = [];
  const b = new ProgressLine({stream: {write: (s: string) => (plain.push(s), true)}, tty: false, intervalMs: 60_000});
  b.update(p(1, 4, 1000));
  b.update(p(2, 4, 1000));
  b.update(p(3, 4, 1000));
  b.end();
  assert.deepEqual(
    plain.map((s) => s.slice(0, 3)),
    ["1/4", "3/4"],
  );
  assert.ok(plain.every((s) => s.endsWith("\n") && !s.includes("\r")));
});
