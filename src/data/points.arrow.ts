// Framework data loader: the compact points table (see loaders/site-points.ts), as an Arrow IPC
// stream on stdout. Read straight from the dataset's Parquet files by DuckDB: no row objects.
import {loadDataset} from "../../loaders/dataset.js";
import {encodePointsCompact, pointsDataFromDir} from "../../loaders/site-points.js";

const dataset = await loadDataset({tables: []});
process.stdout.write(encodePointsCompact(await pointsDataFromDir(dataset.dir)));
