// Framework data loader: the word index of answers and questions (src/lib/text-search.ts) on stdout.
// Built from the answers and questions texts.parquet is written from, in the same read (loaders/site-files.ts,
// loaders/site-texts-duckdb.ts): no row objects.
import {loadDataset} from "../../loaders/dataset.js";
import {printFile, siteFiles} from "../../loaders/site-files.js";

printFile((await siteFiles((await loadDataset({tables: []})).dir)).search);
