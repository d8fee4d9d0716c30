// Framework data loader: the compact points table (see loaders/site-points.ts), as an Arrow IPC
// stream on stdout. Read straight from the dataset's Parquet files by DuckDB: no row objects; the
// one read also gives points-exact.arrow and first.json (loaders/site-points-files.ts).
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("points.arrow");
