// `npm run probe [-- --smoke] [--only id,...] [--write]`: the reliability probe (issue 23).
// Runs every input and fault of issue 23's "Why" (cases.ts) and every case of the bad-input corpus
// (test/fixtures/bad/) through the real `em` entry point against a logging OpenAI-compatible server
// on 127.0.0.1, classifies each outcome (harness.ts: handled, counted, unclear, hang, silent,
// skipped) and prints one line per case and the totals. `--write` puts the totals and the table into
// docs/reliability.md (between the probe markers) with the command and date. `--smoke` runs the
// seconds-long subset the unit test runs. Exit 1 when any case is unclear, a hang or silent.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {parseArgs} from "node:util";
import {ROOT} from "../../loaders/paths.ts";
import {corpusCase, corpusNames, WHY_CASES, type ProbeCase} from "./cases.ts";
import {OUTCOMES, startProbeServers, type Outcome, type Verdict} from "./harness.ts";

export interface CaseResult extends Verdict {
  id: string;
  group: string;
  what: string;
  seconds: number;
}

/** The cases to run: the (smoke: the marked subset) and then the corpus cases not already among them. */
export function probeCases({smoke = false, only}: {smoke?: boolean; only?: readonly string[]} = {}): ProbeCase[] {
  const why = WHY_CASES.filter((c) => !smoke || c.smoke);
  const taken = new Set(why.map((c) => c.id));
  // The corpus cases run in-process, as the corpus test runs them; the cases (the corpus cases
  // among them too) in child processes, where a spin is a timeout.
  const corpus = smoke
    ? []
    : corpusNames()
        .filter((n) => !taken.has(n))
        .map((n) => corpusCase(n, {inProcess: true}));
  const all = [...why, ...corpus];
  return only ? all.filter((c) => only.includes(c.id)) : all;
}

/** Run `cases` one after another (each in its own temporary folder), against one set of probe servers. */
export async function runProbe(cases: readonly ProbeCase[], onCase?: (r: CaseResult) => void): Promise<CaseResult[]> {
  const servers = await startProbeServers();
  const out: CaseResult[] = [];
  try {
    for (const c of cases) {
      const dir = mkdtempSync(path.join(os.tmpdir(), `em-probe-${c.id}-`));
      const t0 = performance.now();
      let v: Verdict;
      try {
        v = await c.run(dir, servers);
      } catch (e) {
        v = {outcome: "unclear", detail: `the probe failed: ${(e as Error).message.split("\n")[0]}`};
      } finally {
        rmSync(dir, {recursive: true, force: true});
      }
      const r = {id: c.id, group: c.group, what: c.what, ...v, seconds: (performance.now() - t0) / 1000};
      out.push(r);
      onCase?.(r);
    }
  } finally {
    await servers.close();
  }
  return out;
}

/** Count per outcome, every outcome listed (0 included). */
export function totals(results: readonly CaseResult[]): Record<Outcome, number> {
  const t = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of results) t[r.outcome]++;
  return t;
}

const totalsLine = (t: Record<Outcome, number>) => OUTCOMES.map((o) => `${t[o]} ${o}`).join(", ");

export const START = "<!-- probe:start (npm run probe -- --write) -->";
export const END = "<!-- probe:end -->";

/** The docs section: command, date, totals per group, the cases one per row, the corpus in one line (its exceptions listed). */
export function probeSection(results: readonly CaseResult[], command: string, date: string): string {
  const why = results.filter((r) => r.group !== "corpus");
  const corpus = results.filter((r) => r.group === "corpus");
  const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  const lines = [
    START,
    `\`${command}\`, ${date}: ${results.length} cases (${why.length} from the issue's list, ${corpus.length} more from the corpus): **${totalsLine(totals(results))}**.`,
    "",
    "| case | input or fault (what used to happen) | outcome | what the run said or did |",
    "|---|---|---|---|",
    ...why.map((r) => `| \`${r.id}\` | ${cell(r.what)} | ${r.outcome} | ${cell(r.detail)} |`),
    "",
    `Corpus (\`test/fixtures/bad/\`, the ${corpus.length} cases not listed above): ${totalsLine(totals(corpus))}.` +
      corpus
        .filter((r) => r.outcome !== "handled")
        .map((r) => ` \`${r.id}\`: ${r.outcome} (${cell(r.detail)}).`)
        .join(""),
    END,
  ];
  return lines.join("\n");
}

async function main(): Promise<number> {
  const {values} = parseArgs({options: {smoke: {type: "boolean", default: false}, only: {type: "string"}, write: {type: "boolean", default: false}}});
  const cases = probeCases({smoke: values.smoke, ...(values.only ? {only: values.only.split(",")} : {})});
  const results = await runProbe(cases, (r) =>
    process.stdout.write(`${r.outcome.padEnd(8)} ${r.id.padEnd(36)} ${r.seconds.toFixed(1).padStart(5)} s  ${r.detail}\n`),
  );
  const t = totals(results);
  process.stdout.write(`\n${results.length} cases: ${totalsLine(t)}\n`);
  if (values.write) {
    const doc = path.join(ROOT, "docs/reliability.md");
    const text = readFileSync(doc, "utf8");
    const a = text.indexOf(START);
    const b = text.indexOf(END);
    const section = probeSection(
      results,
      `npm run probe -- --write${values.smoke ? " --smoke" : ""}`,
      new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    );
    if (a < 0 || b < a) throw new Error(`docs/reliability.md: the markers ${START} ... ${END} are missing`);
    writeFileSync(doc, text.slice(0, a) + section + text.slice(b + END.length));
    process.stdout.write("wrote docs/reliability.md\n");
  }
  return t.unclear + t.hang + t.silent ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exit(await main());
