// Framework data loader: the details table (see loaders/site-tables.ts), as an Arrow IPC stream on stdout.
import {loadDataset} from "../../loaders/dataset.ts";
import {detailsTable} from "../../loaders/site-tables.ts";

const dataset = await loadDataset();
process.stdout.write(detailsTable(dataset));
