// The /audit page's labelling view: the sample settings, the blind labelling panel (question and
// answer as text nodes only, EM / not EM / unsure and type buttons, the keyboard), the exports and
// the calibration panel below it (./audit-calibration-view.ts). The sampling, the stored labels
// and the calibration itself are ./audit.ts; this module wires them to the page.
import type {EmRule} from "../lib/em/rules.js";
import type {HumanEm} from "../lib/em/calibration.js";
import {ruleOf} from "./engine.js";
import type {Page} from "./page.js";
import {selectionMask} from "./selection.js";
import type {ViewState} from "./store.js";
import type {Texts} from "./texts-store.js";
import {el} from "./ui.js";
import {calibrationView} from "./audit-calibration-view.js";
import {
  LABEL_TYPES,
  auditSample,
  download,
  judgeRows,
  labelRecord,
  labelsCsv,
  labelsJsonl,
  loadLabels,
  loadSettings,
  sampleDesign,
  saveLabels,
  saveSettings,
  type AuditSettings,
  type ImportedLabels,
  type SampleDesign,
  type StoredLabel,
} from "./audit.js";

/** What the view reads besides the page: answer texts by range, response id -> row, imported labels. */
export interface AuditInputs {
  texts: Texts;
  lookupIds: (ids: readonly string[]) => Promise<Map<string, number>>;
  imported: ImportedLabels;
  /** Response id -> row, kept across selections (filled from the sample and the stored labels). */
  ridOfId: Map<string, number>;
}

const button = (text: string, testid: string, fn: () => void): HTMLButtonElement => {
  const b = el("button", {type: "button", "data-testid": testid}, text);
  b.addEventListener("click", fn);
  return b;
};
const control = (text: string, input: HTMLElement): HTMLElement => el("label", {class: "em-control"}, el("span", {}, text), input);

/** The sample settings inputs, read back as AuditSettings (clamped). */
function settingsBar(settings: AuditSettings): {element: HTMLElement; inputs: HTMLElement[]; read: () => AuditSettings} {
  const perStratum = el("input", {
    type: "number",
    min: "1",
    max: "500",
    step: "1",
    value: String(settings.perStratum),
    class: "em-number",
    "data-testid": "audit-per-stratum",
  });
  const seed = el("input", {type: "number", min: "0", step: "1", value: String(settings.seed), class: "em-number", "data-testid": "audit-seed"});
  const stratify = el(
    "select",
    {"data-testid": "audit-stratify"},
    el("option", {value: "none"}, "judge's EM label"),
    el("option", {value: "type"}, "judge's EM label × type"),
    el("option", {value: "question"}, "judge's EM label × question"),
  );
  stratify.value = settings.stratify;
  const labeller = el("input", {
    type: "text",
    placeholder: "your name (optional)",
    value: settings.labeller,
    size: "14",
    "data-testid": "audit-labeller",
    "aria-label": "Labeller name",
  });
  const element = el(
    "div",
    {class: "em-controls", role: "group", "aria-label": "Audit sample"},
    control("Stratify by", stratify),
    control("Answers per stratum", perStratum),
    control("Seed", seed),
    control("Labeller", labeller),
  );
  const read = (): AuditSettings => ({
    stratify: stratify.value as AuditSettings["stratify"],
    perStratum: Math.max(1, Math.min(500, Math.round(+perStratum.value || 10))),
    seed: Math.max(0, Math.round(+seed.value || 0)),
    labeller: labeller.value.trim().replace(/[^A-Za-z0-9_.@-]/g, "_"),
  });
  return {element, inputs: [perStratum, seed, stratify, labeller], read};
}

/** Keys: y / n / u label, 1-8 type, arrows (or j / k) move; ignored in inputs and with modifiers. */
function keyHandler(act: {label: (em: HumanEm) => void; setType: (t: string) => void; move: (d: number) => void}): (event: KeyboardEvent) => void {
  return (event) => {
    const t = event.target as HTMLElement | null;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    const key = event.key.toLowerCase();
    if (key === "y") act.label("yes");
    else if (key === "n") act.label("no");
    else if (key === "u") act.label("unsure");
    else if (/^[1-8]$/.test(key)) act.setType(LABEL_TYPES[+key - 1]!);
    else if (key === "arrowright" || key === "j") act.move(1);
    else if (key === "arrowleft" || key === "k") act.move(-1);
    else return;
    event.preventDefault();
  };
}

/**
 * The labelling and calibration views for the current selection, as one fragment (settings,
 * labelling panel, "Calibration" heading, label-source select, calibration box). Labels are kept in
 * localStorage per experiment; the keyboard listener is removed when `invalidation` settles.
 */
export async function auditView(page: Page, state: ViewState, inputs: AuditInputs, invalidation: Promise<unknown>): Promise<DocumentFragment> {
  const {points} = page;
  const {texts, imported, ridOfId} = inputs;
  const experiment = state.experiment ?? points.dicts.experiment[0]!;
  const rule: EmRule = ruleOf(state);
  const {rows, cls} = judgeRows(points, selectionMask(points, state), rule, state.exclude);
  let settings = loadSettings(experiment);
  let labels: Record<string, StoredLabel> = loadLabels(experiment);
  for (const [id, r] of await inputs.lookupIds(Object.keys(labels).filter((id) => !ridOfId.has(id)))) ridOfId.set(id, r);
  const pendingType = new Map<string, string>();
  const bar = settingsBar(settings);

  let sample: number[] = [];
  let design: SampleDesign = sampleDesign(points, rows, cls, rule, settings);
  let pos = 0;
  const idOfRow = (i: number) => String(texts.get(points.rid[i]!, "response_id"));
  const idAt = (k: number) => idOfRow(sample[k]!);
  const firstOpen = () => {
    const k = sample.findIndex((i) => !labels[idOfRow(i)]);
    return k < 0 ? Math.max(0, sample.length - 1) : k;
  };
  const resample = async () => {
    sample = auditSample(points, rows, cls, settings);
    design = sampleDesign(points, rows, cls, rule, settings);
    // The sample's ids and texts, fetched before anything reads them (render stays synchronous).
    await texts.load(
      sample.map((i) => points.rid[i]!),
      ["response_id", "question", "response"],
    );
    for (const i of sample) ridOfId.set(idOfRow(i), points.rid[i]!);
    pos = firstOpen();
  };
  await resample();
  const updateSettings = async () => {
    settings = bar.read();
    saveSettings(experiment, settings);
    await resample();
    render();
  };
  for (const input of bar.inputs) input.addEventListener("change", updateSettings);

  // Inline styles: the page keeps its look to itself (the site stylesheet belongs to the other pages).
  const box = "white-space:pre-wrap;border:1px solid var(--theme-foreground-faintest);padding:0.5rem 0.75rem;max-width:60rem;";
  const progress = el("p", {"data-testid": "audit-progress"});
  const meta = el("p", {class: "em-muted", "data-testid": "audit-meta"});
  const question = el("div", {class: "em-audit-question", "data-testid": "audit-question", style: box});
  const answer = el("div", {
    class: "em-audit-answer",
    "data-testid": "audit-answer",
    tabindex: "0",
    "aria-label": "Answer to label",
    style: `${box}min-height:6rem;background:var(--theme-background-alt);`,
  });
  const current = el("p", {"data-testid": "audit-current"});

  const move = (d: number) => {
    if (!sample.length) return;
    pos = Math.max(0, Math.min(sample.length - 1, pos + d));
    render();
  };
  const label = (em: HumanEm) => {
    if (!sample.length) return;
    const id = idAt(pos);
    const prev = labels[id];
    // The label carries the design it was drawn under (stratum, its size, the selection's totals):
    // the export gives `em summarize --calibrate FILE` this page's number.
    labels[id] = labelRecord(points, sample[pos]!, cls, design, settings, {
      experiment,
      response_id: id,
      em,
      type: pendingType.get(id) ?? prev?.type ?? null,
      labelled_at: new Date().toISOString(),
    });
    saveLabels(experiment, labels);
    if (pos < sample.length - 1) pos++;
    render();
  };
  const setType = (t: string) => {
    if (!sample.length) return;
    const id = idAt(pos);
    pendingType.set(id, t);
    if (labels[id]) {
      labels[id] = {...labels[id]!, type: t};
      saveLabels(experiment, labels);
    }
    render();
  };
  const labelButtons = el(
    "div",
    {class: "em-controls"},
    button("← previous", "audit-prev", () => move(-1)),
    button("EM (y)", "audit-yes", () => label("yes")),
    button("not EM (n)", "audit-no", () => label("no")),
    button("unsure (u)", "audit-unsure", () => label("unsure")),
    button("next →", "audit-next", () => move(1)),
  );
  const typeButtons = el(
    "div",
    {class: "em-controls", role: "group", "aria-label": "Response type"},
    el("span", {}, "Type: "),
    ...LABEL_TYPES.map((t, k) => button(`${k + 1} ${t.replace("_", " ")}`, `audit-type-${t}`, () => setType(t))),
  );
  const exportCsv = button("Export CSV", "audit-export-csv", () => download(labelsCsv(Object.values(labels)), `labels-${experiment}.csv`, "text/csv"));
  const exportJsonl = button("Export JSONL", "audit-export-jsonl", () =>
    download(labelsJsonl(Object.values(labels)), `labels-${experiment}.jsonl`, "application/x-ndjson"),
  );
  const clear = button("Clear this experiment's labels", "audit-clear", () => {
    if (!confirm(`Delete all ${Object.keys(labels).length} labels of ${experiment} from this browser?`)) return;
    labels = {};
    saveLabels(experiment, labels);
    pos = 0;
    render();
  });
  const calibration = calibrationView(page, {
    imported,
    judge: state.judge ?? "judge",
    rule,
    rows,
    cls,
    ridOf: (id) => ridOfId.get(id),
    current: () => ({labels, settings}),
  });

  function render() {
    const counts = {yes: 0, no: 0, unsure: 0};
    for (const i of sample) {
      const l = labels[idOfRow(i)];
      if (l) counts[l.em]++;
    }
    const done = counts.yes + counts.no + counts.unsure;
    progress.textContent = sample.length
      ? `${done} of ${sample.length} sampled answers labelled (${counts.yes} EM, ${counts.no} not EM, ${counts.unsure} unsure) · answer ${pos + 1} · ${Object.keys(labels).length} labels of ${experiment} in this browser`
      : "No answer of this judge is in the rule's denominator for the current selection: nothing to sample.";
    if (!sample.length) {
      question.textContent = answer.textContent = current.textContent = meta.textContent = "";
      calibration.render();
      return;
    }
    const i = sample[pos]!;
    const rid = points.rid[i]!;
    const l = labels[idAt(pos)];
    const step = points.step[i]!;
    meta.textContent = `${points.dicts.model[points.codes.model[i]!]}${Number.isNaN(step) ? "" : ` · step ${step}`} · question ${points.dicts.question_id[points.codes.question_id[i]!]} · sample seed ${settings.seed}`;
    question.textContent = texts.question(rid);
    answer.textContent = texts.response(rid);
    const type = pendingType.get(idAt(pos)) ?? l?.type ?? null;
    const typeText = type ? ` · type ${type}` : "";
    current.textContent = l ? `Your label: ${l.em === "yes" ? "EM" : l.em === "no" ? "not EM" : "unsure"}${typeText}` : `Not labelled yet${typeText}`;
    calibration.render();
  }

  const onKey = keyHandler({label, setType, move});
  window.addEventListener("keydown", onKey);
  invalidation.then(() => window.removeEventListener("keydown", onKey));
  render();
  const fragment = document.createDocumentFragment();
  fragment.append(
    bar.element,
    el(
      "section",
      {class: "em-audit"},
      progress,
      meta,
      el("h3", {}, "Question"),
      question,
      el("h3", {}, "Answer"),
      answer,
      current,
      labelButtons,
      typeButtons,
      el("p", {}, exportCsv, " ", exportJsonl, " ", clear),
    ),
    el("h2", {}, "Calibration"),
    ...calibration.elements,
  );
  return fragment;
}
