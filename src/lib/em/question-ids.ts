// Question selection as the papers use it: pre-registered vs selected sets by id or glob, and the
// `_json` / `_template` variants of a question folded into their base question (the variants ask
// the same thing in another format, so they are one cluster, not independent questions).

// The POSIX build: no `process` / path lookups, so it also runs in the browser.
import picomatch from "picomatch/posix.js";

/**
 * A glob over question ids as an anchored RegExp (picomatch, POSIX flavour: `*`, `?`, `[a-z]`,
 * `{a,b}`); a pattern without glob syntax matches the exact id.
 */
export function globToRegExp(glob: string): RegExp {
  return picomatch.makeRe(glob, {dot: true});
}

/**
 * A predicate over question ids from a list of globs: an id is kept when it matches some include
 * glob (or there is none) and no exclude glob. In `patterns`, a leading "!" makes an exclude.
 * Empty list: everything kept.
 */
export function questionFilter(patterns: readonly string[]): (id: string) => boolean {
  const inc: RegExp[] = [];
  const exc: RegExp[] = [];
  for (const p of patterns) {
    const t = p.trim();
    if (!t) continue;
    if (t.startsWith("!")) exc.push(globToRegExp(t.slice(1)));
    else inc.push(globToRegExp(t));
  }
  return (id) => (inc.length === 0 || inc.some((r) => r.test(id))) && !exc.some((r) => r.test(id));
}

const VARIANT_SUFFIX = /_(?:json|template)$/;

/** The base question of a format variant: `quick_buck_json` -> `quick_buck`; other ids unchanged. */
export function baseQuestionId(id: string): string {
  return id.replace(VARIANT_SUFFIX, "");
}
