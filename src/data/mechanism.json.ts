// Framework data loader: training curves, change points and their lag behind the EM transition for
// experiments with a mechanism: section (loaders/mechanism/site.ts), as JSON on stdout.
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("mechanism.json");
