// Framework data loader for the /audit page: imported human labels (scores of metric em_label /
// type_label, written by `imports: - {format: labels}`; loaders/import/labels.ts), by response row
// (`rid` = row of texts.arrow). Small: one entry per label.
import {loadDataset} from "../../loaders/dataset.js";
import {EM_LABEL_METRIC, TYPE_LABEL_METRIC, emLabelOf} from "../lib/em/calibration.js";
import {LABEL_TYPES} from "../lib/schema.js";

const dataset = await loadDataset();
const rid = new Map(dataset.responses.map((r, i) => [r.response_id, i]));
const byKey = new Map<string, {rid: number; judge: string; em: string; type: string | null}>();
for (const s of dataset.scores) {
  if (s.metric !== EM_LABEL_METRIC && s.metric !== TYPE_LABEL_METRIC) continue;
  const i = rid.get(s.response_id);
  if (i === undefined) continue; // the importer refuses labels for unknown answers; nothing to show
  const key = `${i}\u0000${s.judge}`;
  const e = byKey.get(key) ?? {rid: i, judge: s.judge, em: "unsure", type: null};
  if (s.metric === EM_LABEL_METRIC) e.em = emLabelOf(s.score);
  else if (s.score !== null) e.type = LABEL_TYPES[s.score - 1] ?? null;
  byKey.set(key, e);
}
process.stdout.write(JSON.stringify({labels: [...byKey.values()]}));
