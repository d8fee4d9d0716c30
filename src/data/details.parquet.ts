// Framework data loader: the details table, every score and type row sorted by rid (see loaders/site-texts.ts), as Parquet on stdout.
// Sorted and streamed by DuckDB from the dataset's Parquet files (loaders/site-texts-duckdb.ts), written once
// per dataset beside the other site files (loaders/site-files.ts): no row objects.
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("details.parquet");
