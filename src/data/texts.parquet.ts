// Framework data loader: the texts table, one row per response (row index = rid) (see loaders/site-texts.ts), as Parquet on stdout.
// Written once per dataset with search.bin, in one read of the answers, by a child process beside the
// other site files' writers (loaders/site-files.ts; loaders/site-texts-duckdb.ts): no row objects.
import {loadDataset} from "../../loaders/dataset.js";
import {printFile, siteFiles} from "../../loaders/site-files.js";

printFile((await siteFiles((await loadDataset({tables: []})).dir)).texts);
