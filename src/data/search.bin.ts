// Framework data loader: the word index of answers and questions (src/lib/text-search.ts) on stdout.
// Answers and questions streamed from the dataset's Parquet files by DuckDB (loaders/site-texts-duckdb.ts): no row objects.
import {loadDataset} from "../../loaders/dataset.js";
import {printFile, siteFiles} from "../../loaders/site-files.js";

printFile((await siteFiles((await loadDataset({tables: []})).dir)).search);
