// `em`: the command-line face of the build-time pipeline. Each command lives in
// loaders/commands/<name>.ts and exports `run(argv): Promise<number>` (the exit code);
// they are imported lazily so `em --help` stays instant.
import {readFileSync} from "node:fs";
import {EXIT, exitCodeOf} from "./exit-codes.ts";
import {suggestion} from "./yaml.ts";

interface CommandEntry {
  summary: string;
  load: () => Promise<{run: (argv: string[]) => Promise<number>}>;
}

const COMMANDS: Record<string, CommandEntry> = {
  run: {
    summary: "generate and judge responses for an experiment, write tables (--experiment FILE --out DIR --dry-run)",
    load: () => import("./commands/run.ts"),
  },
  summarize: {
    summary: "EM rates with intervals by any columns, transition fits (--rule, --aligned, --coherent, --by, --format)",
    load: () => import("./commands/summarize.ts"),
  },
  plan: {
    summary: "seeds, questions and samples needed to detect a difference with stated power, and their cost (--experiment FILE | --rates A,B)",
    load: () => import("./commands/plan.ts"),
  },
  judges: {
    summary: "two judges on the same answers: paired test of their EM-rate difference, McNemar, kappa and Spearman intervals (--judges A,B)",
    load: () => import("./commands/judges.ts"),
  },
  report: {
    summary: "reproducible report pages: new NAME --experiment FILE, check (rebuild and compare the numbers), pdf NAME",
    load: () => import("./commands/report.ts"),
  },
  // scale (issue 17)
  batch: {summary: "batches of em run --batch: status, wait (merge results into the cache), cancel", load: () => import("./commands/batch.ts")},
  cache: {summary: "merge caches of sharded runs (merge DEST SRC...)", load: () => import("./commands/cache.ts")},
  serve: {summary: "serve the built site (dist/) with clean URLs and byte ranges (--port N --dist DIR)", load: () => import("./commands/serve.ts")},
  sim: {summary: "start the OpenAI-compatible simulator on 127.0.0.1 (--port N --config FILE)", load: () => import("./commands/sim.ts")},
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {version: string};
  return pkg.version;
}

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `em ${version()}: EM Observatory command line`,
    "",
    "Usage: em <command> [options]   (em <command> --help for a command's options)",
    "",
    "Commands:",
    ...lines,
    "",
    "Exit status (every command): 0 done; 1 bad input (nothing written, nothing spent);",
    "2 usage (no or unknown command, unknown or repeated option); 3 some calls failed after retries;",
    "4 calls were paid, then the run stopped (disk full, cache unwritable; paid results kept in the cache).",
    "",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // Bare `em` is a usage error (a script calling `em $CMD` with an empty variable must not pass).
  if (!name) {
    process.stderr.write(usage());
    return EXIT.usage;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(version() + "\n");
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`em: unknown command '${name}'${suggestion(name, Object.keys(COMMANDS))}\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    const mod = await command.load();
    return await mod.run(rest);
  } catch (error) {
    const code = exitCodeOf(error);
    process.stderr.write(`em ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (code === EXIT.usage) process.stderr.write(`(em ${name} --help lists the options)\n`);
    if (process.env.EM_DEBUG) console.error(error);
    return code;
  }
}
