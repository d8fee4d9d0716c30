// Judge drift anchors (issue 26): a fixed set of answers declared in the experiment file
// (`judge_anchor: {n | file, tolerance, alpha}`) is judged again at every run, bypassing the cache
// for those calls only (n x metrics calls per judge: cheap), and compared with the scores the same
// endpoint and model name gave at the previous run, kept beside the cache in
// `<cache>/judge-anchors/`. A paired test (src/lib/em/drift.ts) flags a shift beyond the tolerance.
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from "node:fs";
import path from "node:path";
import {z} from "zod";
import {anchorDrift, type AnchorPair, type DriftTest} from "../../src/lib/em/drift.ts";
import type {ResponseRow} from "../../src/lib/schema.ts";
import {isSim} from "../client/endpoints.ts";
import {Limiter} from "../client/limiter.ts";
import {sha256} from "../hash.ts";
import {judgeCall, judgeKey, scoreRow} from "../judge.ts";
import {displayPath, readTextFile} from "../paths.ts";
import {judgePrompt} from "../rubrics.ts";
import type {JudgeAnchor} from "../experiment.ts";
import {simQuestionFiles, type JudgeSpec, type Prepared} from "./prepare.ts";

export interface Anchor {
  id: string;
  question_id: string;
  question: string;
  answer: string;
  /** The {training} text of the judge prompt (run answers: as the run judged them; file anchors: none). */
  training?: string;
}

/** One judge and metric's drift report (provenance `judge_drift`, `em run` output). */
export interface DriftReport extends DriftTest {
  judge: string;
  model: string;
  metric: string;
  anchors: number;
  /** When the compared scores were recorded; null on the first run (nothing to compare). */
  previous: string | null;
  /** Why no test was made (first run, offline, too few anchors), when none was. */
  note?: string;
}

const AnchorLine = z.object({id: z.union([z.string(), z.number()]).optional(), question_id: z.string().min(1), question: z.string(), answer: z.string()});

/** Read an anchor file: every line a JSON object; errors name the file, line and field. Nothing is called before it reads whole. */
export function readAnchorFile(file: string): Anchor[] {
  const out: Anchor[] = [];
  readTextFile(file, "judge anchor file")
    .split("\n")
    .forEach((line, i) => {
      if (!line.trim()) return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        throw new Error(`${displayPath(file)}:${i + 1}: not a JSON object`);
      }
      const r = AnchorLine.safeParse(raw);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        throw new Error(`${displayPath(file)}:${i + 1}: field '${issue.path.join(".") || "(line)"}': ${issue.message}`);
      }
      out.push({id: String(r.data.id ?? `line${i + 1}`), question_id: r.data.question_id, question: r.data.question, answer: r.data.answer});
    });
  if (out.length < 2) throw new Error(`${displayPath(file)}: judge_anchor needs at least 2 anchors, found ${out.length}`);
  return out;
}

/** The n answers with the smallest sha256(response_id) (non-empty answers only). */
export function pickAnchors(rows: readonly ResponseRow[], n: number, training: (r: ResponseRow) => string | undefined): Anchor[] {
  return rows
    .filter((r) => r.response.trim())
    .map((r) => ({r, h: sha256(r.response_id)}))
    .sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0))
    .slice(0, n)
    .map(({r}) => ({id: r.response_id, question_id: r.question_id, question: r.question, answer: r.response, training: training(r)}));
}

interface Record_ {
  version: 1;
  endpoint: string;
  model: string;
  date: string;
  /** Per judge prompt's cache key: metric, anchor id and score. */
  scores: Record<string, {metric: string; anchor: string; score: number | null}>;
}

const recordPath = (p: Prepared, j: JudgeSpec) =>
  path.join(p.cacheDirFor(j.cfg.endpoint), "judge-anchors", `${sha256(`${j.endpointId}\n${j.cfg.model}`).slice(0, 20)}.json`);

/**
 * Re-judge the anchors with every score metric of every judge (never from the cache, never into
 * it), compare with the previous run's record of the same endpoint and model name, and write this
 * run's record. Offline (a non-simulator endpoint with --offline): no call, a report saying so.
 */
export async function judgeDrift(
  p: Prepared,
  anchors: readonly Anchor[],
  spec: JudgeAnchor,
  {offline = false}: {offline?: boolean} = {},
): Promise<DriftReport[]> {
  const out: DriftReport[] = [];
  const now = new Date().toISOString();
  for (const j of p.judges) {
    const metrics = j.metrics.filter((m) => anchors.some((a) => p.rubric(j, m, a.question_id)?.kind !== "label"));
    if (!metrics.length) continue;
    const file = recordPath(p, j);
    let prev: Record_ | null = null;
    if (existsSync(file)) {
      try {
        prev = JSON.parse(readFileSync(file, "utf8")) as Record_;
      } catch {
        prev = null; // an unreadable record is replaced; this run is then a first run
      }
    }
    const skip = (note: string) => {
      for (const metric of metrics)
        out.push({judge: j.cfg.id, model: j.cfg.model, metric, anchors: anchors.length, previous: prev?.date ?? null, note, ...anchorDrift([], spec)});
    };
    if (offline && !isSim(j.cfg.endpoint)) {
      skip("offline: anchors not judged again");
      continue;
    }
    const ep = await p.pool.open(j.cfg.endpoint, p.experiment.file, simQuestionFiles(p.experiment));
    const limiter = new Limiter(j.cfg.concurrency);
    const calls: Promise<[string, {metric: string; anchor: string; score: number | null}]>[] = [];
    for (const metric of metrics)
      for (const a of anchors) {
        const r = p.rubric(j, metric, a.question_id);
        if (!r || r.kind === "label") continue;
        const {prompt} = judgePrompt(r.template, {question: a.question, answer: a.answer, training: a.training}, j.cfg.max_prompt_chars);
        const key = judgeKey(j.endpointId, j.cfg.model, prompt);
        calls.push(
          limiter.run(async () => {
            try {
              const v = await judgeCall(ep.client, j.cfg.model, prompt);
              return [key, {metric, anchor: a.id, score: scoreRow(a.id, j.cfg.id, metric, v).score}] as const;
            } catch {
              return [key, {metric, anchor: a.id, score: null}] as const;
            }
          }) as Promise<[string, {metric: string; anchor: string; score: number | null}]>,
        );
      }
    const scores = Object.fromEntries(await Promise.all(calls));
    for (const metric of metrics) {
      const keys = Object.keys(scores).filter((k) => scores[k]!.metric === metric);
      if (!prev) {
        out.push({
          judge: j.cfg.id,
          model: j.cfg.model,
          metric,
          anchors: keys.length,
          previous: null,
          note: "first run: anchor scores recorded, nothing to compare",
          ...anchorDrift([], spec),
        });
        continue;
      }
      const pairs: AnchorPair[] = keys.filter((k) => prev!.scores[k]).map((k) => ({before: prev!.scores[k]!.score, now: scores[k]!.score}));
      const test = anchorDrift(pairs, spec);
      out.push({
        judge: j.cfg.id,
        model: j.cfg.model,
        metric,
        anchors: keys.length,
        previous: prev.date,
        ...test,
        ...(pairs.length < 2 ? {note: `${pairs.length} anchor(s) shared with the previous run (their prompts changed): too few to test`} : {}),
      });
    }
    mkdirSync(path.dirname(file), {recursive: true});
    const rec: Record_ = {version: 1, endpoint: j.endpointId, model: j.cfg.model, date: now, scores};
    writeFileSync(file + ".tmp", JSON.stringify(rec) + "\n");
    renameSync(file + ".tmp", file);
  }
  return out;
}

/** One line per report, for `em run`'s stderr. */
export function driftText(r: DriftReport): string {
  const head = `judge drift: ${r.judge} (${r.model}) ${r.metric}, ${r.anchors} anchors`;
  if (r.note) return `${head}: ${r.note}`;
  const f = (x: number) => (x >= 0 ? "+" : "") + x.toFixed(1);
  const ci = r.ci ? ` [${f(r.ci[0])}, ${f(r.ci[1])}]` : "";
  const flips = r.null_flips ? `; ${r.null_flips} anchors scored at one run and unscored at the other` : "";
  return `${head} vs ${r.previous}: mean shift ${f(r.mean_shift!)} points${ci}, mean |change| ${r.mean_abs_change!.toFixed(1)}; p = ${r.p_value!.toPrecision(2)} for a shift beyond +-${r.tolerance}: ${r.drift ? "DRIFT (same model name, different scores)" : "no drift"}${flips}`;
}
