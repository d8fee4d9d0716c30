// The overview's experiments table (overview.experimentsTable) reads an experiment's answer count
// and whether it is simulated from the build's summary. An experiment the summary does not list
// showed "0" answers and "real": a count that cannot be determined looked measured. Now "unknown".
import {test} from "node:test";
import assert from "node:assert/strict";
import {answersText, dataText} from "../../../src/components/experiment-rows.ts";
import type {ExperimentInfo} from "../../../src/lib/site-summary.ts";

const info = (responses: number, simulated: boolean) => ({counts: {responses}, simulated}) as unknown as ExperimentInfo;

test("answersText(row): the summary's count, 'unknown' (not 0) for an experiment missing from the summary", () => {
  assert.equal(answersText({info: null}), "unknown");
  assert.equal(answersText({info: info(0, false)}), (0).toLocaleString());
  assert.equal(answersText({info: info(12345, false)}), (12345).toLocaleString());
});

test("dataText(row): simulated or real from the summary, 'unknown' (not 'real') without an entry", () => {
  assert.equal(dataText({info: null}), "unknown");
  assert.equal(dataText({info: info(1, true)}), "simulated");
  assert.equal(dataText({info: info(1, false)}), "real");
});
