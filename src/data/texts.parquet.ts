// Framework data loader: the texts table, one row per response (row index = rid) (see loaders/site-texts.ts), as Parquet on stdout.
// Streamed from the dataset's Parquet files by DuckDB, one row group at a time (loaders/site-texts-duckdb.ts): no row objects.
import {loadDataset} from "../../loaders/dataset.js";
import {printFile, siteFiles} from "../../loaders/site-files.js";

printFile((await siteFiles((await loadDataset({tables: []})).dir)).texts);
