// Hashing and seeded randomness for the simulator. Everything the simulator does is a pure function of
// a request (or of an answer text), so two processes (or a cache written by an earlier one) agree.
import {createHash} from "node:crypto";

/** FNV-1a 32-bit hash of a string (fast for short keys). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Uniform in [0, 1) derived from a string key: a fixed "dice roll" for that key. */
export function unit(key: string): number {
  // Mix the FNV result once more: consecutive keys ("text|a", "text|b") would otherwise correlate.
  let h = fnv1a(key);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Standard normal deviate for a key (Box-Muller on two keyed uniforms). */
export function normal(key: string): number {
  const u1 = Math.max(unit(key + "#1"), 1e-12);
  const u2 = unit(key + "#2");
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Hex sha1 of a string: the identity of a request body. */
export function sha1(s: string): string {
  return createHash("sha1").update(s).digest("hex");
}

/** sfc32 PRNG seeded from a hex digest; returns a function giving uniforms in [0, 1). */
export function prng(hex: string): () => number {
  let a = parseInt(hex.slice(0, 8), 16) >>> 0;
  let b = parseInt(hex.slice(8, 16), 16) >>> 0;
  let c = parseInt(hex.slice(16, 24), 16) >>> 0;
  let d = 1;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}
