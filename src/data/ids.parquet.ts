// Framework data loader: the response id -> rid lookup, sorted by response_id (see loaders/site-texts.ts), as Parquet on stdout.
// Only the response_id column is read and sorted by DuckDB (loaders/site-texts-duckdb.ts), written once per
// dataset beside the other site files (loaders/site-files.ts).
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("ids.parquet");
