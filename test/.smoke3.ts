import {loadExperiment} from "../loaders/experiment.ts";
for (const f of ["replication", "judge-dicts", "steering-sweep", "lora-rank", "inspect-logs"]) {
  try { const e = await loadExperiment(`data/experiments/examples/${f}.yaml`); console.log(f, "ok", e.imports.length, JSON.stringify(e.imports[0]).slice(0, 200)); }
  catch (err) { console.log(f, "ERR", (err as Error).message); }
}
