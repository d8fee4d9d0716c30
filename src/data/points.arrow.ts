// Framework data loader: the compact points table (see loaders/site-points.ts), as an Arrow IPC
// stream on stdout. Read straight from the dataset's Parquet files by DuckDB: no row objects; the
// one read also gives points-full.arrow and first.json (loaders/site-points-files.ts).
import {readFileSync} from "node:fs";
import {loadDataset} from "../../loaders/dataset.js";
import {siteFiles} from "../../loaders/site-files.js";

const dataset = await loadDataset({tables: []});
process.stdout.write(readFileSync((await siteFiles(dataset.dir)).compact));
