// Framework data loader: the first numbers /sensitivity paints, computed at build time for every
// experiment, judge and preset rule (loaders/site-first.ts), so the page shows them before it
// downloads the points. Its size does not grow with the responses. Computed in the same pass as
// the points tables (loaders/site-points-files.ts), not in a second read of the dataset.
import {readFileSync} from "node:fs";
import {loadDataset} from "../../loaders/dataset.js";
import {siteFiles} from "../../loaders/site-files.js";

const dataset = await loadDataset({tables: []});
process.stdout.write(readFileSync((await siteFiles(dataset.dir)).first));
