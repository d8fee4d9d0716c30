// Framework data loader: small metadata every page needs before any table arrives: experiments,
// their models (descriptions, training domain, metadata, checkpoints), judges, provenance,
// counts of what is missing or failed, and the simulator's planted truth for simulated experiments.
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("summary.json");
