// Framework data loader: the word index of answers and questions (src/lib/text-search.ts) on stdout.
// Answers and questions streamed from the dataset's Parquet files by DuckDB (loaders/site-texts-duckdb.ts): no row objects.
import {loadDataset} from "../../loaders/dataset.js";
import {dirToStdout, writeSearchIndexFromDir} from "../../loaders/site-texts-duckdb.js";

await dirToStdout(writeSearchIndexFromDir, (await loadDataset({tables: []})).dir);
