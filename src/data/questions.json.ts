// Framework data loader: the question text of every question id, per experiment (see
// loaders/site-questions.ts), as JSON on stdout.
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("questions.json");
