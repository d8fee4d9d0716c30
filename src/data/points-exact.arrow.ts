// Framework data loader: the points table with exact scores and every column of POINTS_COLUMNS,
// the build's one exact file, as one Arrow IPC stream per judge, concatenated; first.json says
// where each sits, so /judges downloads only the judges it compares and /responses those it shows
// (for a download), by byte range; /sql loads every stream as its `points` table. Shares its DuckDB read with points.arrow and first.json
// (loaders/site-points-files.ts).
// Its output is computed by loaders/site-data.ts, which `npm run build` runs for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("points-exact.arrow");
