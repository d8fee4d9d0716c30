// Framework data loader: the first numbers /sensitivity paints, computed at build time for every
// experiment, judge and preset rule (loaders/site-first.ts), so the page shows them before it
// downloads the points. Its size does not grow with the responses. Computed in the same pass as
// the points tables (loaders/site-points-files.ts), not in a second read of the dataset.
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("first.json");
