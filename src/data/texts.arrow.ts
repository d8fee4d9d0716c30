// Framework data loader: the texts table (see loaders/site-tables.ts), as an Arrow IPC stream on stdout.
import {loadDataset} from "../../loaders/dataset.js";
import {textsTable} from "../../loaders/site-tables.js";

const dataset = await loadDataset();
process.stdout.write(textsTable(dataset));
