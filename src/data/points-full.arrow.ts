// Framework data loader: the points table with exact scores and every column of POINTS_COLUMNS
// (the SQL page's `points`; views that need exact non-integer scores), as an Arrow IPC stream.
import {loadDataset} from "../../loaders/dataset.js";
import {encodePointsFull, pointsDataFromDir} from "../../loaders/site-points.js";

const dataset = await loadDataset({tables: []});
process.stdout.write(encodePointsFull(await pointsDataFromDir(dataset.dir)));
