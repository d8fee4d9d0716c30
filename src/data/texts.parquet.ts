// Framework data loader: the texts table, one row per response (row index = rid) (see loaders/site-texts.ts), as Parquet on stdout.
// Written once per dataset with search.bin, in one read of the answers, by a child process beside the
// other site files' writers (loaders/site-files.ts; loaders/site-texts-duckdb.ts): no row objects.
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("texts.parquet");
