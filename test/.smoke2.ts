import {importFiles} from "../loaders/import/index.ts";
import {parseYamlFile} from "../loaders/import/yaml.ts";
const baseDir = "test/fixtures/import";
for (const f of ["broken.csv", "broken.jsonl", "broken.eval", "bad.yaml"]) {
  try { await importFiles({files: f}, {experiment: "x", baseDir}); } catch (e) { console.log((e as Error).message); }
}
try { parseYamlFile(baseDir + "/bad.yaml"); } catch (e) { console.log((e as Error).message); }
try { await importFiles({files: "bom.csv", judge: ""} as any, {experiment: "x", baseDir}); } catch (e) { console.log((e as Error).message); }
try { await importFiles({files: "bom.csv", colums: 1} as any, {experiment: "x", baseDir}); } catch (e) { console.log((e as Error).message); }
