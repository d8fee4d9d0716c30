// Framework data loader: the points table (see loaders/site-tables.ts), as an Arrow IPC stream on stdout.
import {loadDataset} from "../../loaders/dataset.js";
import {pointsTable} from "../../loaders/site-tables.js";

const dataset = await loadDataset();
process.stdout.write(pointsTable(dataset));
