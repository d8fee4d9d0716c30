// Framework data loader: the first numbers /sensitivity paints, computed at build time for every
// experiment, judge and preset rule (loaders/site-first.ts), so the page shows them before it
// downloads the points. Its size does not grow with the responses.
import {loadDataset} from "../../loaders/dataset.js";
import {encodePointsCompact, pointsDataFromDir} from "../../loaders/site-points.js";
import {firstPaint} from "../../loaders/site-first.js";

const dataset = await loadDataset({tables: []});
process.stdout.write(JSON.stringify(firstPaint(encodePointsCompact(await pointsDataFromDir(dataset.dir)))));
