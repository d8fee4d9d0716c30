// Framework data loader: the per-step EM counts /transitions fits from before its points arrive,
// and their fits (loaders/site-steps.ts), for every experiment, judge and preset rule with the
// default series key. Its size does not grow with the responses; it reads the compact points the
// build already wrote, and fits only counts it has not fitted before (the memo in .em/transition-fits).
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("steps.json");
