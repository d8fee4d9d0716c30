// Framework data loader: the details table, every score and type row sorted by rid (see loaders/site-texts.ts), as Parquet on stdout.
// Sorted and streamed by DuckDB from the dataset's Parquet files (loaders/site-texts-duckdb.ts), written once
// per dataset beside the other site files (loaders/site-files.ts): no row objects.
import {loadDataset} from "../../loaders/dataset.js";
import {printFile, siteFiles} from "../../loaders/site-files.js";

printFile((await siteFiles((await loadDataset({tables: []})).dir)).details);
