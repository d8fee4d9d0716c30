// The answers themselves: a filtered, searchable, sortable list and a detail view.
// Model output is untrusted: it only ever enters the page as text nodes (textContent), never as
// HTML, so markup, event handlers and javascript: links in an answer stay inert text.
import * as Plot from "@observablehq/plot";
import {tableFromIPC, type Table} from "apache-arrow";
import type {Points} from "./points.js";
import {el, pct, TYPE_COLORS} from "./ui.js";
import {RESPONSE_TYPES} from "../lib/schema.js";
import {DETAIL_TYPE_METRIC, DETAILS_COLUMNS, TEXTS_COLUMNS, isCoreMetric, type DetailsColumn, type TextsColumn} from "../lib/site-schema.js";

export interface Texts {
  table: Table;
  response(rid: number): string;
  question(rid: number): string;
  get(rid: number, column: TextsColumn): unknown;
}

export function decodeTexts(bytes: ArrayBuffer | Uint8Array): Texts {
  const table = tableFromIPC(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  for (const name of Object.keys(TEXTS_COLUMNS)) if (!table.getChild(name)) throw new Error(`texts.arrow has no column ${name} (src/lib/site-schema.ts TEXTS_COLUMNS)`);
  const response = table.getChild("response")!;
  const question = table.getChild("question")!;
  return {
    table,
    response: (rid) => String(response.get(rid) ?? ""),
    question: (rid) => String(question.get(rid) ?? ""),
    get: (rid, column) => table.getChild(column)?.get(rid),
  };
}

export interface Detail {
  judge: string;
  metric: string;
  score: number | null;
  mass: number | null;
  label: string | null;
  status: string;
  probs: Record<string, number> | null;
}

/** Index details.arrow by response row. */
export function decodeDetails(bytes: ArrayBuffer | Uint8Array): (rid: number) => Detail[] {
  const table = tableFromIPC(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  const rid = table.getChild("rid")!;
  const byRid = new Map<number, number[]>();
  for (let i = 0; i < table.numRows; ++i) {
    const r = rid.get(i) as number;
    const list = byRid.get(r);
    if (list) list.push(i);
    else byRid.set(r, [i]);
  }
  const col = (name: DetailsColumn) => {
    const v = table.getChild(name);
    if (!v) throw new Error(`details.arrow has no column ${name} (src/lib/site-schema.ts DETAILS_COLUMNS)`);
    return v;
  };
  for (const name of Object.keys(DETAILS_COLUMNS) as DetailsColumn[]) col(name);
  const [judge, metric, score, mass, label, status, probs] = (["judge", "metric", "score", "mass", "label", "status", "probs"] as const).map(col);
  return (r) =>
    (byRid.get(r) ?? []).map((i) => {
      const p = probs.get(i) as string;
      return {
        judge: String(judge.get(i)),
        metric: String(metric.get(i)),
        score: (score.get(i) as number | null) ?? null,
        mass: (mass.get(i) as number | null) ?? null,
        label: (label.get(i) as string | null) ?? null,
        status: String(status.get(i)),
        probs: p ? (JSON.parse(p) as Record<string, number>) : null,
      };
    });
}

export interface ListOptions {
  /** Rows (indices into points) to list, in display order. */
  rows: readonly number[];
  /** Whether a row counts as EM under the current rule. */
  isEm: (row: number) => boolean;
  onSelect: (row: number) => void;
  limit?: number;
}

const fmt = (x: number) => (Number.isNaN(x) ? "null" : x.toFixed(0));

/** The response table (first `limit` rows) with keyboard-selectable rows. */
export function responseTable(points: Points, texts: Texts, {rows, isEm, onSelect, limit = 100}: ListOptions): HTMLElement {
  const head = el("tr", {}, ...["model", "step", "question", "judge", "aligned", "coherent", "type", "EM", "answer"].map((h) => el("th", {scope: "col"}, h)));
  const body = el("tbody");
  for (const i of rows.slice(0, limit)) {
    const rid = points.rid[i];
    const type = points.codes.type[i] >= 0 ? points.dicts.type[points.codes.type[i]] : "";
    const answer = texts.response(rid);
    const tr = el(
      "tr",
      {"tabindex": "0", "data-testid": "response-row", "data-rid": String(rid)},
      el("td", {}, points.dicts.model[points.codes.model[i]] ?? ""),
      el("td", {"class": "num"}, Number.isNaN(points.step[i]) ? "" : String(points.step[i])),
      el("td", {}, points.dicts.question_id[points.codes.question_id[i]] ?? ""),
      el("td", {}, points.dicts.judge[points.codes.judge[i]] ?? ""),
      el("td", {"class": "num"}, fmt(points.aligned[i])),
      el("td", {"class": "num"}, fmt(points.coherent[i])),
      el("td", {}, type ? el("span", {"class": "em-type", "style": `border-color:${TYPE_COLORS[type] ?? "#888"}`}, type) : ""),
      el("td", {}, isEm(i) ? "EM" : ""),
      el("td", {"class": "em-answer-cell"}, answer.length > 180 ? answer.slice(0, 180) + "…" : answer),
    );
    tr.addEventListener("click", () => onSelect(i));
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        onSelect(i);
      }
    });
    body.append(tr);
  }
  const more = rows.length > limit ? el("p", {"class": "em-muted"}, `Showing ${limit} of ${rows.length.toLocaleString()} matching answers. Narrow the selection or search to see others.`) : el("p", {"class": "em-muted"}, `${rows.length.toLocaleString()} matching answers.`);
  return el("div", {"class": "em-responses"}, more, el("table", {"class": "em-table", "data-testid": "response-table"}, el("thead", {}, head), body));
}

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
    marks: [
      Plot.barX(data, {y: "token", x: "p", fill: (d: {token: string}) => (/^\d+$/.test(d.token) ? "#0072B2" : "#999")}),
      Plot.ruleX([0]),
    ],
  });
}

/** Full detail of one response: text, every judge's scores with probabilities, type probabilities, metadata. */
export function responseDetail(points: Points, texts: Texts, details: (rid: number) => Detail[], row: number, width: number): HTMLElement {
  const rid = points.rid[row];
  const rows = details(rid);
  const scoreRows = rows.filter((d) => d.metric !== DETAIL_TYPE_METRIC);
  const typeRows = rows.filter((d) => d.metric === DETAIL_TYPE_METRIC && d.probs);
  const meta = texts.get(rid, "meta");
  const box = el(
    "section",
    {"class": "em-detail", "data-testid": "response-detail", "aria-label": "Response detail"},
    el("h3", {}, `${points.dicts.model[points.codes.model[row]]} · step ${points.step[row]} · ${points.dicts.question_id[points.codes.question_id[row]]}`),
    el("p", {"class": "em-muted"}, `response_id ${String(texts.get(rid, "response_id"))} · source ${String(texts.get(rid, "source"))} · origin ${String(texts.get(rid, "origin"))}`),
    el("h4", {}, "Question"),
    el("pre", {"class": "em-text"}, texts.question(rid)),
    el("h4", {}, "Answer"),
    el("pre", {"class": "em-text", "data-testid": "response-text"}, texts.response(rid)),
  );
  const table = el("table", {"class": "em-table"}, el("thead", {}, el("tr", {}, ...["judge", "metric", "score", "mass on numbers", "special", "status"].map((h) => el("th", {}, h)))));
  const tbody = el("tbody");
  for (const d of scoreRows)
    tbody.append(el("tr", {}, el("td", {}, d.judge), el("td", {}, d.metric), el("td", {"class": "num"}, d.score === null ? "null" : d.score.toFixed(1)), el("td", {"class": "num"}, d.mass === null ? "" : pct(d.mass)), el("td", {}, d.label ?? ""), el("td", {}, d.status)));
  table.append(tbody);
  box.append(el("h4", {}, "Scores"), table);
  const charts = el("div", {"class": "em-grid"});
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
  box.append(el("h4", {}, "Metadata"), el("pre", {"class": "em-text"}, JSON.stringify(JSON.parse(String(meta ?? "{}")), null, 2)));
  return box;
}
