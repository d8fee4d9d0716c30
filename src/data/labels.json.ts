// Framework data loader for the /audit page: imported human labels by response row (`rid` = row of
// texts.parquet); loaders/site-labels.ts. Small: one entry per label. Only the label rows are read
// (DuckDB over the dataset's Parquet), never the tables as row objects.
// Its output is computed by loaders/site-data.ts, which `npm run build` and `npm run dev` run for every loader at once
// before Framework starts (Framework then finds this output ready and does not run this file).
import {printSiteData} from "../../loaders/site-data.js";

await printSiteData("labels.json");
