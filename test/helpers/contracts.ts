// What docs/CONTRACTS.md names, read back from its Markdown, and whether each still exists: the
// paths it names (files and folders of the repository) and the exported names (functions, types,
// constants of src/ and loaders/). A stale path or name is a contract that drifted.
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import path from "node:path";

export interface ContractRef {
  kind: "path" | "name";
  /** The path as written, or the identifier. */
  text: string;
  /** 1-based line in the Markdown. */
  line: number;
}

/** Top folders a repository path in the contract starts with. */
const ROOTS = ["src/", "loaders/", "data/", "docs/", "test/", "bench/", "scripts/", "bin/"];
/** File kinds the contract names by path (built outputs such as points.arrow are not files of the repo). */
const SOURCE_EXT = /\.(ts|md|mjs|js|yaml)$/;
/** Looks like code, not a word: camelCase, PascalCase or UPPER_CASE. */
const CODE_NAME = /^(?:[a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)?|[A-Z][A-Z0-9]*_[A-Z0-9_]+)$/;
/** A placeholder or pattern, not one path: `data/judges/<metric>.md`, `runs/*.json`. */
const PATTERN = /[<>*{}]/;

function refOfSpan(span: string, line: number): ContractRef | null {
  const t = span.trim();
  if (PATTERN.test(t)) return null;
  if (/^[\w.@/[\]-]+$/.test(t) && (t.includes("/") || SOURCE_EXT.test(t))) {
    if (t.includes("/") && !ROOTS.some((r) => t.startsWith(r))) return null; // a relative example path
    return {kind: "path", text: t, line};
  }
  // A call or a member names its leading identifier: `controlBar(page, [...])`, `RunStats.coalesced`.
  const m = /^([A-Za-z_$][\w$]*)(?:\(.*\)|\.[\w.]+)?$/.exec(t);
  if (m && CODE_NAME.test(m[1]!)) return {kind: "name", text: m[1]!, line};
  return null;
}

/**
 * The paths and names a contract document names: every code span outside fenced blocks, and the
 * repository paths written in fenced text blocks (the data-flow diagram). Fenced YAML and the
 * like are examples, not contracts.
 */
export function contractRefs(markdown: string): ContractRef[] {
  const refs: ContractRef[] = [];
  let fence: string | null = null;
  markdown.split("\n").forEach((text, i) => {
    const line = i + 1;
    const f = /^```(\w*)/.exec(text);
    if (f) {
      fence = fence === null ? f[1]! || "text" : null;
      return;
    }
    if (fence === "text") {
      for (const m of text.matchAll(/(?:^|[\s(])((?:src|loaders|data|docs|test|bench|scripts)\/[\w./[\]*<>{}-]*)/g)) {
        const p = m[1]!.replace(/[.,;:]+$/, "");
        if (!PATTERN.test(p)) refs.push({kind: "path", text: p, line});
      }
      return;
    }
    if (fence !== null) return;
    for (const m of text.matchAll(/`([^`]+)`/g)) {
      const r = refOfSpan(m[1]!, line);
      if (r) refs.push(r);
    }
  });
  return refs;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Every name exported by a .ts module under `dirs` (declarations and export lists, types included). */
export function exportedNames(root: string, dirs: readonly string[] = ["src", "loaders"]): Set<string> {
  const names = new Set<string>();
  for (const d of dirs)
    for (const file of walk(path.join(root, d))) {
      if (!file.endsWith(".ts")) continue;
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|var|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g))
        names.add(m[1]!);
      for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g))
        for (const part of m[1]!.split(",")) {
          const id = part
            .trim()
            .replace(/^type\s+/, "")
            .split(/\s+as\s+/)
            .at(-1)!
            .trim();
          if (id) names.add(id);
        }
    }
  return names;
}

/**
 * The refs of `markdown` that do not exist under `root`: a path that is no file or folder (or is a
 * bare file name, which names no folder), a name no module under src/ or loaders/ exports.
 */
export function staleRefs(markdown: string, root: string, exported: ReadonlySet<string> = exportedNames(root)): ContractRef[] {
  return contractRefs(markdown).filter((r) => {
    if (r.kind === "name") return !exported.has(r.text);
    // A bare file name (`state.ts`) cannot be checked: which folder? Paths are written from the root.
    if (!r.text.includes("/")) return true;
    return !existsSync(path.join(root, r.text));
  });
}
