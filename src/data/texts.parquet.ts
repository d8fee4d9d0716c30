// Framework data loader: the texts table, one row per response (row index = rid) (see loaders/site-texts.ts), as Parquet on stdout.
import {loadDataset} from "../../loaders/dataset.js";
import {writeTexts, toStdout} from "../../loaders/site-texts.js";

await toStdout(writeTexts, await loadDataset({tables: ["responses"]}));
