// Framework data loader: the response id -> rid lookup, sorted by response_id (see loaders/site-texts.ts), as Parquet on stdout.
// Only the response_id column is read and sorted by DuckDB (loaders/site-texts-duckdb.ts), written once per
// dataset beside the other site files (loaders/site-files.ts).
import {loadDataset} from "../../loaders/dataset.js";
import {printFile, siteFiles} from "../../loaders/site-files.js";

printFile((await siteFiles((await loadDataset({tables: []})).dir)).ids);
