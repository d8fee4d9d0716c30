import {runExperiment} from "../loaders/run.ts";
const r = await runExperiment("data/experiments/examples/judge-dicts.yaml", {offline: true} as never);
console.log(Object.keys(r), JSON.stringify((r as any).counts ?? (r as any).skipped?.length));
console.log((r as any).responses?.length, (r as any).scores?.length);
