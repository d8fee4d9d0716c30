// Framework data loader: the word index of answers and questions (src/lib/text-search.ts) on stdout.
// Built from the answers and questions texts.parquet is written from, in the same read (loaders/site-files.ts,
// loaders/site-texts-duckdb.ts): no row objects.
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("search.bin");
