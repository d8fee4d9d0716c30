// Framework data loader: the points table with exact scores and every column of POINTS_COLUMNS
// (the SQL page's `points`; views that need exact non-integer scores), as an Arrow IPC stream.
// Shares its DuckDB read with points.arrow and first.json (loaders/site-points-files.ts).
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("points-full.arrow");
