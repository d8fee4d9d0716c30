// Framework data loader: the details table, every score and type row sorted by rid (see loaders/site-texts.ts), as Parquet on stdout.
import {loadDataset} from "../../loaders/dataset.js";
import {writeDetails, toStdout} from "../../loaders/site-texts.js";

await toStdout(writeDetails, await loadDataset({tables: ["responses", "scores", "types"]}));
