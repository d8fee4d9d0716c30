// Framework data loader: the per-step EM counts /transitions fits from before its points arrive
// (loaders/site-steps.ts), for every experiment, judge and preset rule with the default series key.
// Its size does not grow with the responses; it reads the compact points the build already wrote.
import {readFileSync} from "node:fs";
import {loadDataset} from "../../loaders/dataset.js";
import {sitePointsFiles} from "../../loaders/site-points-files.js";
import {stepTallies} from "../../loaders/site-steps.js";

const dataset = await loadDataset({tables: []});
process.stdout.write(JSON.stringify(stepTallies(new Uint8Array(readFileSync((await sitePointsFiles(dataset.dir)).compact)))));
