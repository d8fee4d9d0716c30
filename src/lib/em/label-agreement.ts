// Agreement between human labellers (Cohen's kappa on EM yes / no). docs/audit.md.
import {cohenKappa} from "./judges.js";
import type {HumanEm} from "./labels.js";

/** Agreement of two labellers on the answers both labelled yes or no. */
export interface LabellerPair {
  a: string;
  b: string;
  /** Answers both labelled (any value) and both labelled yes / no. */
  n_both: number;
  n_decided: number;
  agreement: number | null;
  kappa: number | null;
}

/**
 * Agreement per labeller pair (labeller -> answer id -> label): share agreeing and Cohen's kappa
 * on the answers both labelled yes / no (answers where either is unsure are left out). Null
 * agreement / kappa when a pair shares no decided answer.
 */
export function labellerAgreement(labels: ReadonlyMap<string, ReadonlyMap<string, HumanEm>>): LabellerPair[] {
  const names = [...labels.keys()].sort();
  const out: LabellerPair[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const la = labels.get(names[i]!)!;
      const lb = labels.get(names[j]!)!;
      const xa: boolean[] = [];
      const xb: boolean[] = [];
      let both = 0;
      for (const [id, va] of la) {
        const vb = lb.get(id);
        if (vb === undefined) continue;
        both++;
        if (va === "unsure" || vb === "unsure") continue;
        xa.push(va === "yes");
        xb.push(vb === "yes");
      }
      const agree = xa.filter((x, k) => x === xb[k]).length;
      out.push({a: names[i]!, b: names[j]!, n_both: both, n_decided: xa.length, agreement: xa.length ? agree / xa.length : null, kappa: cohenKappa(xa, xb)});
    }
  }
  return out;
}
