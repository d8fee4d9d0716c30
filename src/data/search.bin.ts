// Framework data loader: the word index of answers and questions (src/lib/text-search.ts) on stdout.
import {loadDataset} from "../../loaders/dataset.js";
import {toStdout, writeSearchIndex} from "../../loaders/site-texts.js";

await toStdout(writeSearchIndex, await loadDataset({tables: ["responses"]}));
