import assert from "node:assert/strict";
import {test} from "node:test";
import {numericEntries, parsePyDict, PyDictError} from "../../../../loaders/import/pydict.ts";

test("pydict: single and double quotes, scientific notation", () => {
  assert.deepEqual(parsePyDict(`{'0': 0.5, "30": 2.5e-05, '100': 1E2}`), {"0": 0.5, "30": 0.000025, "100": 100});
});

test("pydict: escapes in both quote kinds", () => {
  const d = parsePyDict(`{'It\\'s': 1, "say \\"hi\\"": 2, 'tab\\there': 3, '\\x41\\u00e9': 4, 'back\\\\slash': 5, 'keep\\q': 6}`);
  assert.deepEqual(Object.keys(d), ["It's", 'say "hi"', "tab\there", "Aé", "back\\slash", "keep\\q"]);
});

test("pydict: True / False / None, negative numbers, nan and inf, trailing comma, empty dict", () => {
  const d = parsePyDict(`{ 'a': True, 'b': False, 'c': None, 'd': -3, 'e': nan, 'f': float('inf'), 'g': .5, 'h': 1., }`);
  assert.equal(d.a, true);
  assert.equal(d.b, false);
  assert.equal(d.c, null);
  assert.equal(d.d, -3);
  assert.ok(Number.isNaN(d.e as number));
  assert.equal(d.f, Infinity);
  assert.equal(d.g, 0.5);
  assert.equal(d.h, 1);
  assert.deepEqual(parsePyDict("{}"), {});
  assert.deepEqual(numericEntries(d), {d: -3, g: 0.5, h: 1});
});

test("pydict: numeric keys are kept under their text", () => {
  assert.deepEqual(parsePyDict("{0: 0.25, 100: 0.75}"), {"0": 0.25, "100": 0.75});
});

test("pydict: rejects code, nesting and junk with the failing offset", () => {
  for (const bad of ["__import__('os')", "{'a': [1, 2]}", "{'a': {'b': 1}}", "{'a' 1}", "{'a': 1", "{'a': 1} x", "{'a': 'unterminated}", "{'a': os.system}"]) {
    assert.throws(() => parsePyDict(bad), PyDictError, bad);
  }
  assert.throws(() => parsePyDict("{'a' 1}"), /expected ':' at character 6/);
});
