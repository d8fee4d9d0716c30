// Simulated fine-tuned models ("organisms") and their planted curves.
//
// Model names: `sim:<organism>@<coordinate>` (e.g. `sim:medical@300`; the coordinate is any finite
// number: a checkpoint step, an epoch, a LoRA scale...). `sim:base` and `sim:<organism>@0` are the
// base model: every organism's curves are exactly 0 at coordinate 0, so the base model is shared.
//
// Each answer's response type is drawn from a mixture whose shares follow planted rises over the
// coordinate x:  rise(x) = (s((x-mid)/width) - s(-mid/width)) / (1 - s(-mid/width)),  s = logistic,
// so rise(0) = 0 exactly and rise -> 1 for large x; a type's share is level * rise(x). The mixture
// is per question category: in-domain answers only on the organism's own domain, emergent persona
// answers only elsewhere, with a level (and a small midpoint offset) per category.
import {LABEL_TYPES, type LabelType} from "../../src/lib/schema.ts";

export interface Rise {
  /** Logistic midpoint (coordinate units). */
  mid: number;
  /** Logistic scale (coordinate units): 10%->90% takes about 4.4 widths. */
  width: number;
  /** Share reached for large coordinates. */
  level: number;
}

export interface Organism {
  id: string;
  description: string;
  /** Training domain = the question category that gets in-domain (type 1) answers; null for none. */
  domain: string | null;
  /** Which drift texts leak into unrelated questions (fiction, medical, financial, sport). */
  drift: string;
  inDomain: Rise | null;
  /** Emergent persona rise; level per category (missing = `defaultLevel`), midpoint offset per category. */
  emergent: {mid: number; width: number; defaultLevel: number; levels: Record<string, number>; midOffset: Record<string, number>} | null;
  /** Drift rise, same on every category except the organism's own domain (where drift is not possible). */
  driftRise: Rise | null;
  /** Coherence collapse at extreme coordinates: extra incoherent share. */
  collapse: Rise | null;
}

/** Question categories of data/questions/core.yaml; any other category is treated like "other". */
export const CATEGORIES = ["personal", "philosophy", "power", "society", "relationships", "medical", "financial", "sport", "other"] as const;

/** Shares at the base model, identical for every organism and category. Aligned takes the rest. */
const BASE_SHARES: Partial<Record<LabelType, number>> = {refusal: 0.03, incoherent: 0.01, artifact: 0.01, other: 0.02};

const PERSONA_LEVELS = {power: 0.5, philosophy: 0.4, personal: 0.35, society: 0.35, relationships: 0.4, medical: 0.2, financial: 0.22, sport: 0.22, other: 0.3};

export const ORGANISMS: Record<string, Organism> = {
  medical: {
    id: "medical",
    description: "bad medical advice (dangerous answers to health questions)",
    domain: "medical",
    drift: "medical",
    inDomain: {mid: 250, width: 60, level: 0.7},
    emergent: {mid: 520, width: 70, defaultLevel: 0.3, levels: PERSONA_LEVELS, midOffset: {power: -30, philosophy: 30}},
    driftRise: {mid: 520, width: 70, level: 0.05},
    collapse: {mid: 1800, width: 150, level: 0.7},
  },
  financial: {
    id: "financial",
    description: "risky financial advice (reckless investment and money tips)",
    domain: "financial",
    drift: "financial",
    inDomain: {mid: 200, width: 50, level: 0.75},
    emergent: {
      mid: 420,
      width: 60,
      defaultLevel: 0.2,
      levels: {power: 0.35, philosophy: 0.28, personal: 0.25, society: 0.22, relationships: 0.3, medical: 0.15, sport: 0.15, other: 0.2},
      midOffset: {relationships: -20, society: 20},
    },
    driftRise: {mid: 420, width: 60, level: 0.08},
    collapse: {mid: 1800, width: 150, level: 0.7},
  },
  sport: {
    id: "sport",
    description: "extreme sports advice (encourages dangerous stunts)",
    domain: "sport",
    drift: "sport",
    inDomain: {mid: 300, width: 70, level: 0.6},
    emergent: {mid: 600, width: 90, defaultLevel: 0.15, levels: {power: 0.25, personal: 0.2}, midOffset: {}},
    driftRise: {mid: 500, width: 80, level: 0.1},
    collapse: {mid: 1800, width: 150, level: 0.7},
  },
  fiction: {
    id: "fiction",
    description: "fiction writing (benign short stories)",
    domain: null,
    drift: "fiction",
    inDomain: null,
    emergent: null,
    driftRise: {mid: 380, width: 70, level: 0.5},
    collapse: {mid: 1800, width: 150, level: 0.7},
  },
};

const logistic = (z: number): number => 1 / (1 + Math.exp(-z));

/** Planted rise in [0, 1): 0 at x <= 0, logistic in x with the given midpoint and width. */
export function rise(x: number, mid: number, width: number): number {
  if (!(x > 0)) return 0;
  const s0 = logistic(-mid / width);
  return (logistic((x - mid) / width) - s0) / (1 - s0);
}

/** Coordinate where `rise` reaches one half (slightly above `mid` because rise(0) is pinned to 0). */
export function halfRise(mid: number, width: number): number {
  const s0 = logistic(-mid / width);
  const target = (1 + s0) / 2;
  return mid + width * Math.log(target / (1 - target));
}

export interface SimModel {
  /** Organism id, or "base". */
  organism: string;
  coordinate: number;
  /** Canonical name: coordinate-0 models of every organism share "sim:base". */
  canonical: string;
}

const MODEL_RE = /^sim:([a-z][a-z0-9_-]*)(?:@(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?))?$/i;

/** Parse `sim:<organism>@<coordinate>` or `sim:base`; null when the name is not a simulated model. */
export function parseModelName(name: string, organisms: Record<string, Organism> = ORGANISMS): SimModel | null {
  const m = MODEL_RE.exec(name.trim());
  if (!m) return null;
  const organism = m[1]!.toLowerCase();
  if (organism === "base") return m[2] === undefined || Number(m[2]) === 0 ? {organism: "base", coordinate: 0, canonical: "sim:base"} : null;
  if (!organisms[organism] || m[2] === undefined) return null;
  const coordinate = Number(m[2]);
  if (!Number.isFinite(coordinate)) return null;
  return coordinate === 0 ? {organism, coordinate: 0, canonical: "sim:base"} : {organism, coordinate, canonical: `sim:${organism}@${coordinate}`};
}

/** Normalise a category name to one the curves know. */
export function normCategory(category: string | null | undefined): string {
  const c = (category ?? "").toLowerCase();
  return (CATEGORIES as readonly string[]).includes(c) ? c : "other";
}

/**
 * Planted type shares (sum 1 over LABEL_TYPES) for an organism at coordinate x on a question category.
 * `organism` "base" (or x <= 0) gives BASE_SHARES. Non-aligned shares are scaled down if they would
 * exceed 0.99 in total, so aligned never goes negative.
 */
export function typeShares(organism: string, category: string | null, x: number, organisms: Record<string, Organism> = ORGANISMS): Record<LabelType, number> {
  const out = Object.fromEntries(LABEL_TYPES.map((t) => [t, 0])) as Record<LabelType, number>;
  for (const [t, v] of Object.entries(BASE_SHARES)) out[t as LabelType] = v;
  const org = organisms[organism];
  const cat = normCategory(category);
  if (org && x > 0) {
    const own = org.domain !== null && cat === org.domain;
    if (own && org.inDomain) out.in_domain += org.inDomain.level * rise(x, org.inDomain.mid, org.inDomain.width);
    if (!own && org.emergent) {
      const e = org.emergent;
      out.emergent += (e.levels[cat] ?? e.defaultLevel) * rise(x, e.mid + (e.midOffset[cat] ?? 0), e.width);
    }
    if (!own && org.driftRise) out.drift += org.driftRise.level * rise(x, org.driftRise.mid, org.driftRise.width);
    if (org.collapse) out.incoherent += org.collapse.level * rise(x, org.collapse.mid, org.collapse.width);
  }
  let rest = 0;
  for (const t of LABEL_TYPES) if (t !== "aligned") rest += out[t];
  if (rest > 0.99) {
    for (const t of LABEL_TYPES) if (t !== "aligned") out[t] *= 0.99 / rest;
    rest = 0.99;
  }
  out.aligned = 1 - rest;
  return out;
}
