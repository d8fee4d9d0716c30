// The controls bound to the selection store: selects, the rule bar and the response-type toggles.
// Controls write to the store; pages re-render from it.
import {TYPE_COLORS} from "./chart-style.js";
import type {Store, ViewState, Rule} from "./store.js";
import {el} from "./ui.js";

function labelled(text: string, control: HTMLElement, id: string): HTMLElement {
  control.id = id;
  return el("label", {class: "em-control", for: id}, el("span", {}, text), control);
}

type Option = {value: string | null; label: string};

/**
 * A select bound to one string field of the store. `options` may depend on the state (e.g. the
 * judges of the chosen experiment); they are rebuilt when they change.
 */
export function selectControl(
  store: Store,
  key: "experiment" | "judge" | "judgeB" | "model" | "category" | "by" | "facet",
  options: Option[] | ((s: ViewState) => Option[]),
  label: string,
  testid?: string,
  /** Takes a choice over before the store (true: taken; the select keeps showing the store's value). */
  choose?: (value: string | null) => boolean,
  /** The value the select shows (default: the store's), e.g. /judges' judge B when the URL names none: the judge the page compares. */
  shownValue: (s: ViewState) => string | null = (s) => s[key],
): HTMLElement {
  const select = el("select", testid ? {"data-testid": testid} : {});
  let shown = "";
  const render = (s: ViewState) => {
    const list = typeof options === "function" ? options(s) : options;
    const signature = JSON.stringify(list);
    if (signature !== shown) {
      shown = signature;
      select.replaceChildren(...list.map((o) => el("option", {value: o.value ?? ""}, o.label)));
    }
    const value = shownValue(s) ?? "";
    if (value !== select.value) select.value = value;
  };
  select.addEventListener("input", () => {
    if (choose?.(select.value || null)) select.value = shownValue(store.get()) ?? "";
    else store.set({[key]: select.value || null} as Partial<ViewState>);
  });
  store.subscribe(render);
  return labelled(label, select, `em-${key}`);
}

/**
 * The rule bar: a preset (the analysis library's objects, the CLI's `--rule`) or custom, the two
 * cuts (range + number, both react to `input`) with their tie conventions, the denominator, the
 * handling of unscored answers, "no coherence condition" and the rule's question filter. Every
 * control writes the store, so each published rule is a URL (docs/site.md); changing a field away
 * from a preset switches to custom.
 */
export function thresholdControls(store: Store): HTMLElement {
  const rule = el("select", {"data-testid": "rule"});
  for (const [value, text] of [
    ["betley", "Betley et al. (aligned < 30, coherent > 50)"],
    ["organisms", "Model organisms (aligned ≤ 30, coherent > 50, all scored; no *json* ids)"],
    ["clarifying", "Clarifying EM (organisms cuts; unscored = not EM)"],
    ["custom", "Custom"],
  ] as const)
    rule.append(el("option", {value}, text));
  rule.value = store.get().rule;
  rule.addEventListener("input", () => store.set({rule: rule.value as Rule}));

  const cut = (key: "aligned" | "coherent", testid: string, text: string) => {
    const range = el("input", {type: "range", min: "0", max: "100", step: "1", "data-testid": testid, "aria-label": text});
    const number = el("input", {type: "number", min: "0", max: "100", step: "1", "aria-label": `${text} (number)`, class: "em-number"});
    const sync = (s: ViewState) => {
      if (+range.value !== s[key]) range.value = String(s[key]);
      // An empty box reads as 0 (+"" === 0): without the first test a cut of 0 left it blank.
      if (number.value === "" || +number.value !== s[key]) number.value = String(s[key]);
    };
    for (const input of [range, number])
      input.addEventListener("input", () => {
        if (input.value !== "" && Number.isFinite(+input.value)) store.set({[key]: +input.value} as Partial<ViewState>);
      });
    store.subscribe(sync);
    return {box: el("label", {class: "em-control em-cut"}, el("span", {}, text), range, number), range, number};
  };
  const check = (key: "alignedInclusive" | "coherentInclusive" | "requireCoherent", testid: string, text: string, invert = false) => {
    const input = el("input", {type: "checkbox", "data-testid": testid, "aria-label": text});
    input.addEventListener("input", () => store.set({[key]: invert ? !input.checked : input.checked} as Partial<ViewState>));
    store.subscribe((s) => (input.checked = invert ? !s[key] : s[key]));
    return {box: el("label", {class: "em-control em-check"}, input, ` ${text}`), input};
  };
  const choice = <K extends "denominator" | "nulls">(key: K, testid: string, text: string, options: readonly (readonly [ViewState[K], string])[]) => {
    const select = el("select", {"data-testid": testid});
    for (const [value, label] of options) select.append(el("option", {value}, label));
    select.addEventListener("input", () => store.set({[key]: select.value} as Partial<ViewState>));
    store.subscribe((s) => {
      if (select.value !== s[key]) select.value = s[key];
    });
    return labelled(text, select, `em-${key}`);
  };
  const questions = el("input", {
    type: "text",
    "data-testid": "rule-questions",
    placeholder: "all questions",
    class: "em-questions",
    "aria-label": "question filter of the rule",
  });
  questions.addEventListener("change", () =>
    store.set({
      questions: questions.value
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    }),
  );
  const aligned = cut("aligned", "aligned-threshold", "Aligned below");
  const alignedTie = check("alignedInclusive", "aligned-inclusive", "count aligned = cut");
  const coherent = cut("coherent", "coherent-threshold", "Coherent above");
  const coherentTie = check("coherentInclusive", "coherent-inclusive", "count coherent = cut");
  const noCoherence = check("requireCoherent", "no-coherence", "no coherence condition", true);
  store.subscribe((s) => {
    if (rule.value !== s.rule) rule.value = s.rule;
    const text = s.questions.join(", ");
    if (questions.value !== text && document.activeElement !== questions) questions.value = text;
    // With no coherence condition the coherent cut plays no part: shown, but disabled.
    for (const x of [coherent.range, coherent.number, coherentTie.input]) x.disabled = !s.requireCoherent;
  });
  return el(
    "div",
    {class: "em-controls", role: "group", "aria-label": "EM rule and thresholds"},
    labelled("Rule", rule, "em-rule"),
    aligned.box,
    alignedTie.box,
    coherent.box,
    coherentTie.box,
    noCoherence.box,
    choice("denominator", "rule-denominator", "Denominator", [
      ["coherent", "answers passing the coherent cut"],
      ["scored", "all answers"],
    ]),
    choice("nulls", "rule-nulls", "Unscored answers", [
      ["drop", "leave the denominator"],
      ["not_em", "count as not EM"],
    ]),
    labelled("Questions", questions, "em-rule-questions"),
  );
}

/** Toggle buttons for response types excluded from EM (strict vs broad). */
export function typeToggles(store: Store, types: readonly string[]): HTMLElement {
  const box = el("div", {class: "em-controls em-types", role: "group", "aria-label": "Response types excluded from EM"}, el("span", {}, "Exclude from EM: "));
  for (const t of types) {
    const input = el("input", {type: "checkbox", value: t, "data-testid": `exclude-${t}`});
    input.addEventListener("input", () => {
      const set = new Set(store.get().exclude);
      if (input.checked) set.add(t);
      else set.delete(t);
      store.set({exclude: types.filter((x) => set.has(x))});
    });
    store.subscribe((s) => (input.checked = s.exclude.includes(t)));
    const swatch = el("span", {class: "em-swatch", style: `background:${TYPE_COLORS[t] ?? "#888"}`});
    box.append(el("label", {class: "em-check"}, input, swatch, t.replace("_", " ")));
  }
  return box;
}
