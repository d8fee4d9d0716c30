// docs/importing.md tells a newcomer which column names an import reads without `columns:`: the
// list must be the importer's own (DEFAULT_COLUMNS), role by role and in its order, so a file whose
// question column is `prompt` or whose ids are `qid` imports as the docs say.
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {fileURLToPath} from "node:url";
import {DEFAULT_COLUMNS} from "../../../loaders/import/spec.ts";

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../docs/importing.md");

/** The `columns` key's row of the keys table: "... of: role `a`, `b`; role `c`; ..." as {role: [names]}. */
function documentedDefaults(markdown: string): Record<string, string[]> {
  const row = markdown.split("\n").find((l) => l.startsWith("| `columns` |"));
  assert.ok(row, "docs/importing.md has a `columns` row in its keys table");
  const list = /Without it each role is the first column found[^:]*:(.*?)\.\s*\|\s*$/.exec(row)?.[1];
  assert.ok(list, "the `columns` row lists the column names read without it");
  return Object.fromEntries(
    list.split(";").map((part) => {
      const [role, ...names] = part.trim().split(/\s+/);
      return [role!, names.map((n) => n.replace(/[`,]/g, ""))];
    }),
  );
}

test("documentedDefaults(markdown) reads the roles and names of the `columns` row", () => {
  const md =
    "| key | meaning |\n| `columns` | Explicit. Without it each role is the first column found, by name, of: response `response`, `answer`; model `model`. |\n";
  assert.deepEqual(documentedDefaults(md), {response: ["response", "answer"], model: ["model"]});
});

test("docs/importing.md lists every role's default column names as the importer tries them (DEFAULT_COLUMNS)", () => {
  const documented = documentedDefaults(readFileSync(DOC, "utf8"));
  const code = Object.fromEntries(Object.entries(DEFAULT_COLUMNS).map(([role, names]) => [role, [...names]]));
  assert.deepEqual(documented, code);
});
