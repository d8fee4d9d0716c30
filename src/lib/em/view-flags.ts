// The EM flag of single answers, for views that list answers (the response list, its CSV, the
// audit sample): the rule's classification with the type exclusions applied exactly as
// aggregateColumns counts them, so the answers flagged EM in a slice are the slice's n_em.
import type {ResponseType} from "../schema.js";
import {typeMask, type EmColumns} from "./columnar.js";
import {classify, EM, NOT_EM, OUT, type EmRule} from "./rules.js";

export {EM, NOT_EM, OUT};

/**
 * Classification of row `i`: OUT (outside the denominator), NOT_EM or EM. An answer the rule
 * calls EM whose response type is excluded stays in the denominator as NOT_EM (aggregateColumns:
 * excluded types never count as EM). `exMask` is typeMask(exclude).
 */
export function emFlagAt(cols: EmColumns, i: number, rule: EmRule, exMask: number): 0 | 1 | 2 {
  const c = classify(cols.aligned[i]!, cols.coherent[i]!, rule);
  if (c !== EM) return c;
  const ty = cols.type ? cols.type[i]! : -1;
  return ty >= 0 && (exMask & (1 << ty)) !== 0 ? NOT_EM : EM;
}

/** emFlagAt for every row (rows with mask 0 get OUT). */
export function emFlags(cols: EmColumns, rule: EmRule, {exclude = [], mask}: {exclude?: Iterable<ResponseType>; mask?: Uint8Array} = {}): Uint8Array {
  const exMask = typeMask(exclude);
  const out = new Uint8Array(cols.length);
  for (let i = 0; i < cols.length; i++) out[i] = mask && mask[i] === 0 ? OUT : emFlagAt(cols, i, rule, exMask);
  return out;
}
