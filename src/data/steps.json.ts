// Framework data loader: the per-step EM counts /transitions fits from before its points arrive,
// and their fits (loaders/site-steps.ts), for every experiment, judge and preset rule with the
// default series key. Its size does not grow with the responses; it reads the compact points the
// build already wrote, and fits only counts it has not fitted before (the memo in .em/transition-fits).
import {readFileSync} from "node:fs";
import path from "node:path";
import {loadDataset} from "../../loaders/dataset.js";
import {loadExperiment} from "../../loaders/experiment.js";
import {ROOT} from "../../loaders/paths.js";
import {siteFiles} from "../../loaders/site-files.js";
import {stepTallies} from "../../loaders/site-steps.js";
import {fitMemo} from "../../loaders/site-steps-memo.js";

const dataset = await loadDataset({tables: []});
// Each experiment's declared coordinate scale, as summary.json.ts passes it to the page.
const declared: Record<string, "log" | null> = {};
for (const e of dataset.provenance.experiments) declared[e.name] = (await loadExperiment(path.resolve(ROOT, e.file))).coordinate_scale === "log" ? "log" : null;
process.stdout.write(JSON.stringify(stepTallies(new Uint8Array(readFileSync((await siteFiles(dataset.dir)).compact)), {declared, memo: fitMemo()})));
