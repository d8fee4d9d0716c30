// Utf8Check (a file checked chunk by chunk) against checkUtf8 (the whole buffer at once): on random
// byte strings mixing ASCII, line feeds, valid multi-byte characters and invalid or cut sequences,
// the verdict, line, first bad byte and column are the same at every chunk size (the message's
// second byte, shown for context, may be cut off by a chunk end), the whole message in one chunk.
import assert from "node:assert/strict";
import {test} from "node:test";
import {checkUtf8, Utf8Check} from "../../../loaders/text.ts";
import {makeRng} from "../../../src/lib/em/prng.ts";

// Valid pieces first (ASCII, LF, 2-, 3- and 4-byte characters), then a Latin-1 byte, cut sequences,
// a lone continuation byte, an overlong form, 0xFF, a surrogate and a code point above U+10FFFF.
const PIECES: number[][] = [
  [0x61],
  [0x0a],
  [0x2c],
  [0xc3, 0xa9],
  [0xe2, 0x80, 0x94],
  [0xf0, 0x9f, 0x99, 0x82],
  [0xe9],
  [0xc3],
  [0xf0, 0x9f],
  [0x80],
  [0xe0, 0x80, 0x80],
  [0xff],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

const message = (f: () => void) => {
  try {
    f();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
};

test("Utf8Check gives checkUtf8's verdict and message at every chunk size", () => {
  const rng = makeRng(11);
  let invalid = 0;
  for (let i = 0; i < 3000; i++) {
    const bytes: number[] = [];
    const n = 1 + Math.floor(rng() * 30);
    // Mostly valid pieces, so both verdicts are common.
    for (let k = 0; k < n; k++) bytes.push(...PIECES[Math.floor(rng() * (rng() < 0.9 ? 6 : PIECES.length))]!);
    const buf = Buffer.from(bytes);
    const want = message(() => checkUtf8(buf, "f"));
    if (want) invalid++;
    const firstByte = (m: string | null) => m?.replace(/(bytes 0x[0-9A-F]{2}) 0x[0-9A-F]{2}/, "$1") ?? null;
    for (const size of [1, 2, 3, 5, 1024]) {
      const got = message(() => {
        const c = new Utf8Check("f");
        for (let at = 0; at < buf.length; at += size) c.push(buf.subarray(at, at + size));
        c.end();
      });
      if (size >= buf.length) assert.equal(got, want, `${buf.toString("hex")} in one chunk`);
      else assert.equal(firstByte(got), firstByte(want), `${buf.toString("hex")} in chunks of ${size}`);
    }
  }
  assert.ok(invalid > 300 && invalid < 2700, `${invalid} of 3000 invalid`);
});
