// Framework data loader for the /audit page: imported human labels by response row (`rid` = row of
// texts.parquet); loaders/site-labels.ts. Small: one entry per label. Only the label rows are read
// (DuckDB over the dataset's Parquet), never the tables as row objects.
import {loadDataset} from "../../loaders/dataset.js";
import {labelsFromDir} from "../../loaders/site-labels.js";

const dataset = await loadDataset({tables: []});
process.stdout.write(JSON.stringify({labels: await labelsFromDir(dataset.dir)}));
