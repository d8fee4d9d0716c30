// Framework data loader: the texts table (see loaders/site-tables.ts), as an Arrow IPC stream on stdout.
import {loadDataset} from "../../loaders/dataset.ts";
import {textsTable} from "../../loaders/site-tables.ts";

const dataset = await loadDataset();
process.stdout.write(textsTable(dataset));
