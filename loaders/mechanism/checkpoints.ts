// A folder of PEFT LoRA checkpoints (`<dir>/checkpoint-<step>/adapter_model.safetensors`, tensors
// `...layers.<L>.<module>.lora_A.weight` [r, in] and `...lora_B.weight` [out, r]) -> per step, layer
// and module: the Frobenius norms of A, B and BA, and the rotation measure of the model-organisms
// paper (Turner, Soligo et al. 2025): cos(v[i-k] - v[i], v[i+k] - v[i]) for k = 5, 10, 15
// checkpoints, on the flattened B and on the product BA; plus the same on all modules together
// (layer null, module "all": the concatenated vector).
//
// Streaming: every quantity is a function of the inner products G[i][j] = <v_i, v_j> with
// |i - j| <= 2 k_max, so only a window of 2 k_max + 1 checkpoints' tensors is held at a time. For BA
// the inner products come from r x r matrices, <B_i A_i, B_j A_j> = tr((B_i^T B_j)(A_j A_i^T)),
// never from the out x in product itself; it costs (out + in) r^2 per pair, so BA is computed for
// ranks up to `baMaxRank` (default 8) and left null above (a rank-64 pair of a 14B down_proj costs
// ~1.2 GFLOP). Memory: (2 k_max + 1) x (the selected A and B tensors as float32); `maxBytes`
// splits the modules into passes (each re-reads only its tensors by offset) when that is larger.
import {existsSync, readdirSync, statSync} from "node:fs";
import path from "node:path";
import {displayPath} from "../paths.ts";
import {openSafetensors} from "./safetensors.ts";

export const ROTATION_KS = [5, 10, 15] as const;
export const ADAPTER_FILE = "adapter_model.safetensors";

/** One checkpoint of a series. */
export interface CheckpointFile {
  step: number;
  file: string;
}

/** One value of the mechanism table: a metric of one (layer, module) at one step. */
export interface MechanismRow {
  step: number;
  /** Layer index, or null for all modules together. */
  layer: number | null;
  /** e.g. "mlp.down_proj", or "all". */
  module: string;
  /** norm_A, norm_B, norm_BA, rotation_B_k5 ... rotation_BA_k15. */
  metric: string;
  /** The value; null where undefined (rotation within k of either end, BA above baMaxRank). */
  value: number | null;
}

const NAME_RE = /layers\.(\d+)\.(.+)\.lora_([AB])(?:\.[^.]+)?\.weight$/;

/**
 * The checkpoints of a PEFT output folder, by step. Errors (naming the folder): no checkpoint-<step>
 * folder; a folder without adapter_model.safetensors; a step missing from an evenly spaced series
 * (the rotation measure counts checkpoints, so a gap would silently change k), unless allowGaps.
 */
export function listCheckpoints(dir: string, {allowGaps = false}: {allowGaps?: boolean} = {}): CheckpointFile[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${displayPath(dir)}: checkpoint folder does not exist`);
  const found: CheckpointFile[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^checkpoint-(\d+)$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name, ADAPTER_FILE);
    if (!existsSync(file)) throw new Error(`${displayPath(path.join(dir, name))}: no ${ADAPTER_FILE} in this checkpoint folder`);
    found.push({step: Number(m[1]), file});
  }
  if (!found.length) throw new Error(`${displayPath(dir)}: no checkpoint-<step> folders (PEFT layout: <dir>/checkpoint-<step>/${ADAPTER_FILE})`);
  found.sort((a, b) => a.step - b.step);
  if (!allowGaps && found.length >= 3) {
    const diffs = found.slice(1).map((c, i) => c.step - found[i]!.step);
    const stride = Math.min(...diffs);
    for (let i = 0; i < diffs.length; i++)
      if (diffs[i] !== stride && diffs[i]! % stride === 0)
        throw new Error(
          `${displayPath(dir)}: checkpoint-${found[i]!.step + stride} is missing (steps go by ${stride}; the rotation measure counts checkpoints, so a gap changes k); add it or set allow_gaps: true`,
        );
  }
  return found;
}

interface ModuleKey {
  layer: number;
  module: string;
  a: string;
  b: string;
  rank: number;
  out: number;
  inp: number;
}

/** The LoRA (layer, module) pairs in the first checkpoint, with shapes every later one must match. */
function modulesOf(first: CheckpointFile, filter?: (layer: number, module: string) => boolean): ModuleKey[] {
  const st = openSafetensors(first.file);
  try {
    const by = new Map<string, {layer: number; module: string; a?: string; b?: string}>();
    for (const name of st.tensors.keys()) {
      const m = NAME_RE.exec(name);
      if (!m) continue;
      const key = `${m[1]}|${m[2]}`;
      const e = by.get(key) ?? {layer: Number(m[1]), module: m[2]!};
      if (m[3] === "A") e.a = name;
      else e.b = name;
      by.set(key, e);
    }
    const out: ModuleKey[] = [];
    for (const e of by.values()) {
      if (filter && !filter(e.layer, e.module)) continue;
      if (!e.a || !e.b) throw new Error(`${displayPath(first.file)}: layer ${e.layer} ${e.module} has lora_${e.a ? "A" : "B"} but no lora_${e.a ? "B" : "A"}`);
      const sa = st.tensors.get(e.a)!.shape;
      const sb = st.tensors.get(e.b)!.shape;
      if (sa.length !== 2 || sb.length !== 2 || sa[0] !== sb[1])
        throw new Error(`${displayPath(first.file)}: ${e.a} ${JSON.stringify(sa)} and ${e.b} ${JSON.stringify(sb)} are not [r, in] and [out, r]`);
      out.push({layer: e.layer, module: e.module, a: e.a, b: e.b, rank: sa[0]!, out: sb[0]!, inp: sa[1]!});
    }
    if (!out.length) throw new Error(`${displayPath(first.file)}: no LoRA tensors (names like base_model.model.model.layers.<L>.<module>.lora_A.weight)`);
    return out.sort((x, y) => x.layer - y.layer || x.module.localeCompare(y.module));
  } finally {
    st.close();
  }
}

function dot(x: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** <B_i A_i, B_j A_j>_F = sum_pq (B_i^T B_j)[p, q] (A_j A_i^T)[q, p]; B row-major [out, r], A [r, in]. */
function baDot(Ai: Float32Array, Bi: Float32Array, Aj: Float32Array, Bj: Float32Array, r: number, out: number, inp: number): number {
  let s = 0;
  for (let p = 0; p < r; p++)
    for (let q = 0; q < r; q++) {
      let m = 0;
      for (let o = 0; o < out; o++) m += Bi[o * r + p]! * Bj[o * r + q]!;
      let n = 0;
      for (let c = 0; c < inp; c++) n += Aj[q * inp + c]! * Ai[p * inp + c]!;
      s += m * n;
    }
  return s;
}

export interface ReadOptions {
  /** Keep only these (layer, module) pairs. */
  filter?: (layer: number, module: string) => boolean;
  /** Largest rank whose BA inner products are computed (default 8). */
  baMaxRank?: number;
  /** Memory budget for the window of tensors, bytes (default 512 MB); more modules -> more passes. */
  maxBytes?: number;
  allowGaps?: boolean;
}

export interface MechanismSeries {
  dir: string;
  steps: number[];
  modules: {layer: number; module: string; rank: number; out: number; in: number}[];
  rows: MechanismRow[];
  /** Passes over the files (1 unless the window did not fit maxBytes). */
  passes: number;
}

/** Read a checkpoint folder and compute the mechanism rows (see the file comment). */
export function readCheckpointSeries(dir: string, opts: ReadOptions = {}): MechanismSeries {
  const {baMaxRank = 8, maxBytes = 512 * 2 ** 20} = opts;
  const cps = listCheckpoints(dir, {allowGaps: opts.allowGaps});
  const mods = modulesOf(cps[0]!, opts.filter);
  const T = cps.length;
  const W = 2 * ROTATION_KS[ROTATION_KS.length - 1]!;
  // banded Gram matrices per module: gB[mi][i][d] = <B_i, B_{i+d}>, d = 0..W
  const band = () => Array.from({length: T}, () => new Float64Array(W + 1).fill(Number.NaN));
  const gA = mods.map(band);
  const gB = mods.map(band);
  const gBA = mods.map((m) => (m.rank <= baMaxRank ? band() : null));
  const perStep = (m: ModuleKey) => 4 * m.rank * (m.out + m.inp);
  const passes: ModuleKey[][] = [];
  let cur: ModuleKey[] = [];
  let bytes = 0;
  for (const m of mods) {
    if (cur.length && bytes + (W + 1) * perStep(m) > maxBytes) {
      passes.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(m);
    bytes += (W + 1) * perStep(m);
  }
  passes.push(cur);
  for (const group of passes) {
    const window: {a: Float32Array; b: Float32Array}[][] = [];
    for (let i = 0; i < T; i++) {
      const st = openSafetensors(cps[i]!.file);
      const here: {a: Float32Array; b: Float32Array}[] = [];
      try {
        for (const m of group) {
          for (const [name, want] of [
            [m.a, [m.rank, m.inp]],
            [m.b, [m.out, m.rank]],
          ] as const) {
            const t = st.tensors.get(name);
            if (!t) throw new Error(`${displayPath(cps[i]!.file)}: tensor '${name}' is missing (it is in ${displayPath(cps[0]!.file)})`);
            if (t.shape.length !== 2 || t.shape[0] !== want[0] || t.shape[1] !== want[1])
              throw new Error(
                `${displayPath(cps[i]!.file)}: tensor '${name}' has shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(want)} (as in ${displayPath(cps[0]!.file)})`,
              );
          }
          here.push({a: st.read(m.a), b: st.read(m.b)});
        }
      } finally {
        st.close();
      }
      window.push(here);
      if (window.length > W + 1) window.shift();
      // pairs (j, i) with j = i - d, d = 0..W, all in the window now
      for (let d = 0; d < window.length; d++) {
        const j = i - d;
        const old = window[window.length - 1 - d]!;
        group.forEach((m, gi) => {
          const mi = mods.indexOf(m);
          const da = dot(old[gi]!.a, here[gi]!.a);
          const db = dot(old[gi]!.b, here[gi]!.b);
          gA[mi]![j]![d] = da;
          gB[mi]![j]![d] = db;
          const g = gBA[mi];
          // rank 1: <b_i a_i, b_j a_j>_F = (b_i . b_j)(a_i . a_j)
          if (g) g[j]![d] = m.rank === 1 ? da * db : baDot(old[gi]!.a, old[gi]!.b, here[gi]!.a, here[gi]!.b, m.rank, m.out, m.inp);
        });
      }
    }
  }
  const rows: MechanismRow[] = [];
  const steps = cps.map((c) => c.step);
  const emit = (layer: number | null, module: string, G: {A: Gram; B: Gram; BA: Gram | null}) => {
    for (let i = 0; i < T; i++) {
      const step = steps[i]!;
      rows.push({step, layer, module, metric: "norm_A", value: Math.sqrt(G.A(i, i))});
      rows.push({step, layer, module, metric: "norm_B", value: Math.sqrt(G.B(i, i))});
      rows.push({step, layer, module, metric: "norm_BA", value: G.BA ? Math.sqrt(Math.max(0, G.BA(i, i))) : null});
      for (const which of ["B", "BA"] as const) {
        const g = which === "B" ? G.B : G.BA;
        for (const k of ROTATION_KS) rows.push({step, layer, module, metric: `rotation_${which}_k${k}`, value: g ? rotation(g, i, k, T) : null});
      }
    }
  };
  const at = (band: Float64Array[]) => (i: number, j: number) => (i <= j ? band[i]![j - i]! : band[j]![i - j]!);
  mods.forEach((m, mi) => emit(m.layer, m.module, {A: at(gA[mi]!), B: at(gB[mi]!), BA: gBA[mi] ? at(gBA[mi]!) : null}));
  if (mods.length > 1) {
    const sum = (gs: (Float64Array[] | null)[]) => (gs.some((g) => !g) ? null : (i: number, j: number) => gs.reduce((s, g) => s + at(g!)(i, j), 0));
    emit(null, "all", {A: sum(gA)!, B: sum(gB)!, BA: sum(gBA)});
  }
  return {dir, steps, modules: mods.map((m) => ({layer: m.layer, module: m.module, rank: m.rank, out: m.out, in: m.inp})), rows, passes: passes.length};
}

type Gram = (i: number, j: number) => number;

/** cos(v[i-k] - v[i], v[i+k] - v[i]) from inner products; null within k of either end or when a difference is 0. */
export function rotation(G: Gram, i: number, k: number, T: number): number | null {
  if (i - k < 0 || i + k >= T) return null;
  const a = i - k;
  const c = i + k;
  const num = G(a, c) - G(a, i) - G(i, c) + G(i, i);
  const na = G(a, a) - 2 * G(a, i) + G(i, i);
  const nc = G(c, c) - 2 * G(c, i) + G(i, i);
  if (!(na > 0 && nc > 0)) return null;
  return Math.max(-1, Math.min(1, num / Math.sqrt(na * nc)));
}
