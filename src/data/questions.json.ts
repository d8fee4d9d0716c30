// Framework data loader: the question text of every question id, per experiment (see
// loaders/site-questions.ts), as JSON on stdout.
import {loadDataset} from "../../loaders/dataset.js";
import {questionTextsFromDir} from "../../loaders/site-questions.js";

const dataset = await loadDataset({tables: []});
process.stdout.write(JSON.stringify(await questionTextsFromDir(dataset.dir)));
