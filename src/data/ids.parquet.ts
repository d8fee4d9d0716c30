// Framework data loader: the response id -> rid lookup, sorted by response_id (see loaders/site-texts.ts), as Parquet on stdout.
// Only the response_id column is read from the dataset's Parquet files (loaders/site-texts-duckdb.ts).
import {loadDataset} from "../../loaders/dataset.js";
import {dirToStdout, writeIdsFromDir} from "../../loaders/site-texts-duckdb.js";

await dirToStdout(writeIdsFromDir, (await loadDataset({tables: []})).dir);
