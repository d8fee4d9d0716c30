// One answer in full: question and answer text (text nodes only), every judge's scores with the
// judge's probabilities over scores, the response-type probabilities and the metadata.
import * as Plot from "@observablehq/plot";
import {el, pct} from "./ui.js";
import {TYPE_COLORS} from "./chart-style.js";
import {RESPONSE_TYPES} from "../lib/schema.js";
import {DETAIL_TYPE_METRIC, isCoreMetric} from "../lib/site-schema.js";
import type {FirstLine} from "../lib/responses-first.js";
import type {Detail, Texts} from "./texts-store.js";

/** The judge's probability over integer scores for one score row, as a bar chart. */
export function scoreDistribution(detail: Detail, width: number): SVGElement | HTMLElement | null {
  if (!detail.probs) return null;
  // Integer tokens in score order (the judge's distribution over scores), then the others.
  const data = Object.entries(detail.probs)
    .map(([token, p]) => ({token: token.trim() || JSON.stringify(token), p}))
    .sort((a, b) => {
      const x = /^\d+$/.test(a.token) ? Number(a.token) : Infinity;
      const y = /^\d+$/.test(b.token) ? Number(b.token) : Infinity;
      return x - y || b.p - a.p;
    });
  return Plot.plot({
    width,
    height: 30 + 13 * data.length,
    marginLeft: 70,
    x: {label: "probability", domain: [0, 1]},
    y: {label: null, domain: data.map((d) => d.token)},
    marks: [Plot.barX(data, {y: "token", x: "p", fill: (d: {token: string}) => (/^\d+$/.test(d.token) ? "#0072B2" : "#999")}), Plot.ruleX([0])],
  });
}

/**
 * Full detail of one response (the list line clicked): text, every judge's scores with
 * probabilities, type probabilities, metadata. Texts: the columns showDetail loads
 * (responses-first-view.ts), for `line.rid`.
 */
export function responseDetail(
  line: Pick<FirstLine, "rid" | "model" | "step" | "question_id">,
  texts: Texts,
  rows: readonly Detail[],
  width: number,
): HTMLElement {
  const {rid} = line;
  const scoreRows = rows.filter((d) => d.metric !== DETAIL_TYPE_METRIC);
  const typeRows = rows.filter((d) => d.metric === DETAIL_TYPE_METRIC && d.probs);
  const meta = texts.get(rid, "meta");
  const box = el(
    "section",
    {class: "em-detail", "data-testid": "response-detail", "aria-label": "Response detail"},
    el("h3", {}, `${line.model}${line.step === "" ? "" : ` · step ${line.step}`} · ${line.question_id}`),
    el(
      "p",
      {class: "em-muted"},
      `response_id ${String(texts.get(rid, "response_id"))} · source ${String(texts.get(rid, "source"))} · origin ${String(texts.get(rid, "origin"))}`,
    ),
    el("h4", {}, "Question"),
    el("pre", {class: "em-text"}, texts.question(rid)),
    el("h4", {}, "Answer"),
    el("pre", {class: "em-text", "data-testid": "response-text"}, texts.response(rid)),
  );
  const table = el(
    "table",
    {class: "em-table"},
    el("thead", {}, el("tr", {}, ...["judge", "metric", "score", "mass on numbers", "special", "status"].map((h) => el("th", {}, h)))),
  );
  const tbody = el("tbody");
  for (const d of scoreRows)
    tbody.append(
      el(
        "tr",
        {},
        el("td", {}, d.judge),
        el("td", {}, d.metric),
        el("td", {class: "num"}, d.score === null ? "null" : d.score.toFixed(1)),
        el("td", {class: "num"}, d.mass === null ? "" : pct(d.mass)),
        el("td", {}, d.label ?? ""),
        el("td", {}, d.status),
      ),
    );
  table.append(tbody);
  box.append(el("h4", {}, "Scores"), table);
  const charts = el("div", {class: "em-grid"});
  for (const d of scoreRows.filter((x) => isCoreMetric(x.metric))) {
    const chart = scoreDistribution(d, Math.max(240, Math.min(360, width / 2 - 20)));
    if (chart) charts.append(el("div", {}, el("h5", {}, `${d.judge} · ${d.metric}: first-token probabilities`), chart));
  }
  if (charts.childElementCount) box.append(charts);
  for (const t of typeRows) {
    const data = RESPONSE_TYPES.map((type) => ({type, p: t.probs![type] ?? 0}));
    box.append(
      el("h5", {}, `${t.judge}: response type probabilities (most likely ${t.label ?? "?"})`),
      Plot.plot({
        width: Math.min(width, 640),
        height: 200,
        marginLeft: 80,
        x: {domain: [0, 1], label: "probability"},
        y: {domain: [...RESPONSE_TYPES], label: null},
        marks: [Plot.barX(data, {y: "type", x: "p", fill: (d: {type: string}) => TYPE_COLORS[d.type]}), Plot.ruleX([0])],
      }),
    );
  }
  box.append(el("h4", {}, "Metadata"), el("pre", {class: "em-text"}, JSON.stringify(JSON.parse(String(meta ?? "{}")), null, 2)));
  return box;
}
