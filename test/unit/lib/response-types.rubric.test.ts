// The type judge rubric (data/judges/type.md) agrees with the taxonomy and the label parser.
import {test} from "node:test";
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {parse} from "yaml";
import {LABEL_TYPES} from "../../../src/lib/schema.ts";
import {labelsForToken} from "../../../src/lib/response-types.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const text = readFileSync(path.join(repoRoot, "data/judges/type.md"), "utf8");

test("front matter: kind label, labels = LABEL_TYPES in order", () => {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  assert.ok(m, "front matter missing");
  const fm = parse(m[1]!) as {kind: string; labels: string[]};
  assert.equal(fm.kind, "label");
  assert.deepEqual(fm.labels, [...LABEL_TYPES]);
});

test("template: the three placeholders, one digit per label, digits parse back to the same label", () => {
  const body = text.replace(/^---[\s\S]*?\n---\n/, "");
  for (const p of ["{question}", "{answer}", "{training}"]) assert.equal(body.split(p).length - 1, 1, p);
  assert.ok(!/\{(?!question\}|answer\}|training\})[a-z_]+\}/.test(body), "unknown placeholder");
  LABEL_TYPES.forEach((t, i) => {
    assert.match(body, new RegExp(`^${i + 1} = ${t}\\.`, "m"));
    assert.deepEqual(labelsForToken(String(i + 1), LABEL_TYPES), [t]);
  });
  assert.match(body, /single digit from 1 to 8/);
});
