// Framework data loader: the response id -> rid lookup, sorted by response_id (see loaders/site-texts.ts), as Parquet on stdout.
import {loadDataset} from "../../loaders/dataset.js";
import {writeIds, toStdout} from "../../loaders/site-texts.js";

await toStdout(writeIds, await loadDataset({tables: ["responses"]}));
