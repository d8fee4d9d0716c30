// A small, safe parser for flat Python dict literals, as written by pandas when a column holds
// dicts (`str(dict)`): `{'0': 0.1, "30": 2.5e-05, 'REFUSAL': 0.3}`. The reference code bases store
// the judge's raw top-20 first-token probabilities this way (`judge_aligned`, `judge_coherent`).
// We never eval the text: a tiny recursive-descent reader accepts only string keys and scalar values.

export type PyScalar = string | number | boolean | null;

/** Error with the 0-based character offset where parsing failed. */
export class PyDictError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at character ${offset + 1}`);
    this.name = "PyDictError";
  }
}

const ESCAPES: Record<string, string> = {n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0", a: "\x07", b: "\b", f: "\f", v: "\v"};

/**
 * Parse a flat Python dict literal into a plain object.
 * Keys: quoted strings (single or double quotes, backslash escapes incl. \xHH, \uHHHH, \UHHHHHHHH)
 * or numbers (stored under their text). Values: strings, ints, floats (incl. scientific notation,
 * `inf`, `nan`, also as `float('nan')`), True / False / None. Nested containers are rejected.
 * A trailing comma is accepted, as in Python. An empty dict `{}` gives `{}`.
 * Throws PyDictError (with the failing offset) on anything else.
 */
export function parsePyDict(text: string): Record<string, PyScalar> {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && /\s/.test(text[i]!)) i++;
  };
  const fail = (msg: string): never => {
    throw new PyDictError(msg, i);
  };
  const readString = (): string => {
    const q = text[i];
    if (q !== "'" && q !== '"') fail("expected a quoted string");
    i++;
    let out = "";
    while (i < n && text[i] !== q) {
      const c = text[i]!;
      if (c === "\n") fail("newline inside a string");
      if (c !== "\\") {
        out += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === undefined) fail("dangling backslash");
      if (e === "x" || e === "u" || e === "U") {
        const len = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = text.slice(i + 2, i + 2 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) fail(`bad \\${e} escape`);
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + len;
      } else if (e! in ESCAPES) {
        out += ESCAPES[e!];
        i += 2;
      } else {
        // Python keeps unknown escapes verbatim (backslash included).
        out += "\\" + e;
        i += 2;
      }
    }
    if (i >= n) fail("unterminated string");
    i++;
    return out;
  };
  const readNumberText = (): string => {
    const m = /^[+-]?(?:inf|nan|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/i.exec(text.slice(i));
    if (!m || m[0] === "" || m[0] === "+" || m[0] === "-") fail("expected a value");
    i += m![0].length;
    return m![0].replaceAll("_", "");
  };
  const toNumber = (t: string): number => {
    const low = t.toLowerCase().replace(/^\+/, "");
    if (low === "inf") return Infinity;
    if (low === "-inf") return -Infinity;
    if (low === "nan" || low === "-nan") return NaN;
    return Number(t);
  };
  const readValue = (): PyScalar => {
    const c = text[i];
    if (c === "'" || c === '"') return readString();
    if (c === "{" || c === "[" || c === "(") fail("nested containers are not supported");
    for (const [word, v] of [
      ["True", true],
      ["False", false],
      ["None", null],
    ] as const) {
      if (text.startsWith(word, i) && !/\w/.test(text[i + word.length] ?? "")) {
        i += word.length;
        return v;
      }
    }
    const f = /^float\(\s*(['"])([+-]?(?:inf|nan|infinity))\1\s*\)/i.exec(text.slice(i));
    if (f) {
      i += f[0].length;
      return toNumber(f[2]!.replace(/infinity/i, "inf"));
    }
    return toNumber(readNumberText());
  };

  ws();
  if (text[i] !== "{") fail("expected '{'");
  i++;
  const out: Record<string, PyScalar> = {};
  ws();
  while (text[i] !== "}") {
    if (i >= n) fail("unterminated dict");
    const key = text[i] === "'" || text[i] === '"' ? readString() : readNumberText();
    ws();
    if (text[i] !== ":") fail("expected ':'");
    i++;
    ws();
    out[key] = readValue();
    ws();
    if (text[i] === ",") {
      i++;
      ws();
    } else if (text[i] !== "}") fail("expected ',' or '}'");
  }
  i++;
  ws();
  if (i < n) fail("unexpected text after the dict");
  return out;
}

/** Keep only the finite numeric entries of a parsed dict (the probability table). */
export function numericEntries(d: Record<string, PyScalar>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(d)) if (typeof v === "number" && Number.isFinite(v)) out[k] = v;
  return out;
}
