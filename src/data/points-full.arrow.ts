// Framework data loader: the points table with exact scores and every column of POINTS_COLUMNS
// (the SQL page's `points`; views that need exact non-integer scores), as an Arrow IPC stream.
// Shares its DuckDB read with points.arrow and first.json (loaders/site-points-files.ts).
import {readFileSync} from "node:fs";
import {loadDataset} from "../../loaders/dataset.js";
import {siteFiles} from "../../loaders/site-files.js";

const dataset = await loadDataset({tables: []});
process.stdout.write(readFileSync((await siteFiles(dataset.dir)).full));
