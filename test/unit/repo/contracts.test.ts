// docs/CONTRACTS.md cannot drift: every path and exported name it writes in code spans exists
// (test/helpers/contracts.ts reads them back), and the check fails on a stale path or name.
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {fileURLToPath} from "node:url";
import {contractRefs, exportedNames, staleRefs} from "../../helpers/contracts.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const doc = readFileSync(path.join(ROOT, "docs/CONTRACTS.md"), "utf8");
const exported = exportedNames(ROOT);

test("docs/CONTRACTS.md: every path and exported name it names exists", () => {
  const refs = contractRefs(doc);
  // The contract names the seams: far more than a handful of each (a parser that reads nothing passes nothing).
  assert.ok(refs.filter((r) => r.kind === "path").length >= 80, `paths read: ${refs.filter((r) => r.kind === "path").length}`);
  assert.ok(refs.filter((r) => r.kind === "name").length >= 80, `names read: ${refs.filter((r) => r.kind === "name").length}`);
  const stale = staleRefs(doc, ROOT, exported);
  assert.deepEqual(
    stale.map((r) => `line ${r.line}: ${r.kind} ${r.text}`),
    [],
    "docs/CONTRACTS.md names what does not exist (fix the document or the code)",
  );
});

test("contractRefs(markdown) reads code spans as paths or names, and the diagram's paths; examples are not contracts", () => {
  const md = [
    '- `loaders/run/index.ts` (`runExperiment`, `RunStats.coalesced`) and `controlBar(page, ["x"])`;',
    "- words in code are not names: `signals`, `aligned < 30`, `--format json`, `data/judges/<metric>.md`;",
    "```text",
    " loaders/run/prepare.ts  load (src/data/*.ts thin)",
    "```",
    "```yaml",
    "questions: [loaders/not-a-contract.ts]",
    "```",
  ].join("\n");
  assert.deepEqual(
    contractRefs(md).map((r) => `${r.line} ${r.kind} ${r.text}`),
    ["1 path loaders/run/index.ts", "1 name runExperiment", "1 name RunStats", "1 name controlBar", "4 path loaders/run/prepare.ts"],
  );
});

test("staleRefs(markdown) fails on a planted stale path, name and bare file name", () => {
  const planted = `${doc}\n- \`src/components/state.ts\` the store (\`tableOf\`); \`judges.ts\`; \`loaders/site-tables.ts\`.\n`;
  const stale = staleRefs(planted, ROOT, exported).map((r) => r.text);
  assert.deepEqual(stale, ["src/components/state.ts", "tableOf", "judges.ts", "loaders/site-tables.ts"]);
  // And a name that exists is not reported: the check is not "everything is stale".
  assert.deepEqual(staleRefs("`buildSummary` and `loaders/summarize/index.ts`", ROOT, exported), []);
});
