// Framework data loader: the details table, every score and type row sorted by rid (see loaders/site-texts.ts), as Parquet on stdout.
// Sorted and streamed by DuckDB from the dataset's Parquet files (loaders/site-texts-duckdb.ts): no row objects.
import {loadDataset} from "../../loaders/dataset.js";
import {dirToStdout, writeDetailsFromDir} from "../../loaders/site-texts-duckdb.js";

await dirToStdout(writeDetailsFromDir, (await loadDataset({tables: []})).dir);
