// Framework data loader: training curves, change points and their lag behind the EM transition for
// experiments with a mechanism: section (loaders/mechanism/site.ts), as JSON on stdout.
import {siteMechanism} from "../../loaders/mechanism/site.js";

process.stdout.write(JSON.stringify(await siteMechanism()));
