import {tableFromArrays, tableToIPC} from "apache-arrow";
const table = tableFromArrays({step: Int32Array.from([0, 50, 100, 150, 200]), rate: Float64Array.from([0.01, 0.02, 0.1, 0.3, 0.35])});
process.stdout.write(tableToIPC(table, "stream"));
