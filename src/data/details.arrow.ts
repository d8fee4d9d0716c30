// Framework data loader: the details table (see loaders/site-tables.ts), as an Arrow IPC stream on stdout.
import {loadDataset} from "../../loaders/dataset.js";
import {detailsTable} from "../../loaders/site-tables.js";

const dataset = await loadDataset();
process.stdout.write(detailsTable(dataset));
