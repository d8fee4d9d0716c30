// Memory and time of reading a 100-checkpoint LoRA series (issue 27; docs/benchmarks.md,
// "Adapter checkpoints"): PEFT safetensors in BF16 with Qwen2.5-14B's down_proj shapes
// (out 5120, in 13824), written to a temporary folder, then read by readCheckpointSeries (norms,
// rotations at k = 5, 10, 15 on B, and on BA up to rank 8). Each case runs in a fresh process so
// its peak RSS is its own. Writes bench/results/mechanism.json (docs/benchmarks.md via bench/write.ts).
// Run: node --import tsx bench/mechanism.bench.ts [--quick]
import {execFileSync} from "node:child_process";
import {mkdirSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {readCheckpointSeries} from "../loaders/mechanism/checkpoints.ts";
import {writeSafetensors} from "../loaders/mechanism/safetensors.ts";
import {makeRng, randNormal} from "../src/lib/em/prng.ts";
import {commandLine, writeSection} from "./lib/results.ts";

interface Case {
  name: string;
  rank: number;
  layers: number;
  checkpoints: number;
}
const OUT = 5120;
const IN = 13824;

function writeSeries(dir: string, c: Case): number {
  const rng = makeRng(1);
  const state = Array.from({length: c.layers}, () => ({a: new Float32Array(c.rank * IN).map(() => randNormal(rng) * 0.01), b: new Float32Array(OUT * c.rank)}));
  let bytes = 0;
  for (let i = 0; i < c.checkpoints; i++) {
    const tensors = state.flatMap((s, l) => {
      for (let j = 0; j < s.b.length; j++) s.b[j]! += 1e-3 * randNormal(rng);
      const p = `base_model.model.model.layers.${l}.mlp.down_proj`;
      return [
        {name: `${p}.lora_A.weight`, dtype: "BF16" as const, shape: [c.rank, IN], data: s.a},
        {name: `${p}.lora_B.weight`, dtype: "BF16" as const, shape: [OUT, c.rank], data: s.b},
      ];
    });
    const sub = path.join(dir, `checkpoint-${(i + 1) * 5}`);
    mkdirSync(sub, {recursive: true});
    writeSafetensors(path.join(sub, "adapter_model.safetensors"), tensors);
    bytes += tensors.reduce((acc, t) => acc + 2 * t.data.length, 0);
  }
  return bytes;
}

if (process.argv[2] === "--child") {
  const dir = process.argv[3]!;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const s = readCheckpointSeries(dir);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  // CPU seconds as well as wall time: on a shared machine the wall time mostly measures the load.
  const cpu_seconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(JSON.stringify({seconds, cpu_seconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024, rows: s.rows.length, passes: s.passes}));
} else {
  const quick = process.argv.includes("--quick");
  const cases: Case[] = quick
    ? [{name: "rank 1, 1 layer, 20 checkpoints", rank: 1, layers: 1, checkpoints: 20}]
    : [
        {name: "rank 1, one down_proj (the paper's adapter)", rank: 1, layers: 1, checkpoints: 100},
        {name: "rank 1, down_proj of 48 layers", rank: 1, layers: 48, checkpoints: 100},
        {name: "rank 8, one down_proj (BA computed)", rank: 8, layers: 1, checkpoints: 100},
        {name: "rank 64, one down_proj (B only; BA above rank 8)", rank: 64, layers: 1, checkpoints: 100},
      ];
  const results: Record<string, unknown>[] = [];
  for (const c of cases) {
    const dir = mkdtempSync(path.join(tmpdir(), "em-mech-bench-"));
    try {
      const bytes = writeSeries(dir, c);
      const out = execFileSync(process.execPath, ["--import", "tsx", import.meta.filename, "--child", dir], {encoding: "utf8"});
      const r = {...c, out: OUT, in: IN, dtype: "BF16", file_mb: bytes / 2 ** 20, ...JSON.parse(out)};
      results.push(r);
      process.stderr.write(
        `${c.name}: ${r.seconds.toFixed(2)} s wall, ${r.cpu_seconds.toFixed(2)} s CPU, peak RSS ${r.peak_rss_mb.toFixed(0)} MB, ${r.file_mb.toFixed(0)} MB of tensors\n`,
      );
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  }
  const find = (rank: number, layers: number) =>
    results.find((r) => r.rank === rank && r.layers === layers) as {cpu_seconds: number; peak_rss_mb: number} | undefined;
  const r1 = find(1, 1);
  const r64 = find(64, 1);
  if (!quick)
    writeSection({
      section: "mechanism",
      title: "Adapter checkpoints (issue 27)",
      command: commandLine("bench/mechanism.bench.ts", []),
      method: [
        `100 PEFT checkpoints in BF16 with Qwen2.5-14B's down_proj shapes (out ${OUT}, in ${IN}), B a random walk, written to a temporary folder; then readCheckpointSeries (loaders/mechanism/checkpoints.ts) in a fresh process: A, B and BA norms, rotations at k = 5, 10, 15 on B and on BA (up to rank 8). CPU seconds are given beside wall time: on this shared machine the wall time mostly measures the other processes.`,
      ],
      tables: [
        {
          head: ["series", "tensors", "wall", "CPU", "peak RSS", "passes"],
          rows: results.map((r) => [
            String(r.name),
            `${(r.file_mb as number).toFixed(0)} MB`,
            `${(r.seconds as number).toFixed(2)} s`,
            `${(r.cpu_seconds as number).toFixed(2)} s`,
            `${(r.peak_rss_mb as number).toFixed(0)} MB`,
            String(r.passes),
          ]),
        },
      ],
      verdicts: [
        {
          target: "a 100-checkpoint rank-1 series of a 14B model reads in seconds (CPU <= 10 s)",
          measured: r1 ? `${r1.cpu_seconds.toFixed(2)} s CPU` : "not run",
          pass: r1 ? r1.cpu_seconds <= 10 : null,
        },
        {
          target: "a 100-checkpoint rank-64 series fits in memory (peak RSS <= 2 GB)",
          measured: r64 ? `${r64.peak_rss_mb.toFixed(0)} MB` : "not run",
          pass: r64 ? r64.peak_rss_mb <= 2048 : null,
        },
      ],
      notes: [],
      raw: {results},
    });
}
