// The files that grow with the responses reach dist/ here, after Framework's build, not through it
// (scripts/build.mjs; loaders/site-data.ts writes the stand-ins Framework copies and their manifest).
import {copyFileSync, existsSync, linkSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {join} from "node:path";

/** Every file below `dir` whose name `keep` accepts. */
function walk(dir, keep, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, keep, out);
    else if (keep(entry)) out.push(path);
  }
  return out;
}

/**
 * Put each real file of the manifest (loaders/site-data.ts standInManifest) in place of its stand-in
 * in `out`/_file/data (Framework copied the stand-in under a hashed name), and the real size in the
 * pages' file registrations. Throws when a file changed since the step or a stand-in is left in `out`.
 */
export function placeStandIns(manifest, out) {
  const MAGIC = "em-site-data stand-in\n";
  const {standIns} = JSON.parse(readFileSync(manifest, "utf8"));
  const fileDir = join(out, "_file", "data");
  const files = existsSync(fileDir) ? readdirSync(fileDir) : [];
  const html = walk(out, (f) => f.endsWith(".html"));
  const escapeRe = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const s of standIns) {
    const dot = s.name.lastIndexOf(".");
    const named = new RegExp(`^${escapeRe(s.name.slice(0, dot))}\\.[0-9a-f]{8}${escapeRe(s.name.slice(dot))}$`);
    const text = Buffer.from(s.text);
    for (const entry of files.filter((f) => named.test(f))) {
      const dest = join(fileDir, entry);
      if (statSync(dest).size !== text.length || !readFileSync(dest).equals(text)) continue;
      rmSync(dest);
      try {
        linkSync(s.file, dest);
      } catch (e) {
        if (!["EXDEV", "EPERM", "ENOTSUP"].includes(e.code)) throw e;
        copyFileSync(s.file, dest);
      }
      if (statSync(dest).size !== s.size) {
        throw new Error(`${s.file} is ${statSync(dest).size} bytes, the site data step recorded ${s.size}: run the build again`);
      }
      // The pages register each file with its size (Framework's registerFile): the real one.
      const registered = new RegExp(`("path":"[^"]*/_file/data/${escapeRe(entry)}","lastModified":[0-9.e+]+,"size":)${text.length}(?=[,}])`, "g");
      for (const page of html) {
        const before = readFileSync(page, "utf8");
        const after = before.replace(registered, `$1${s.size}`);
        if (after !== before) writeFileSync(page, after);
      }
    }
  }
  // No stand-in may be left in dist/ (a page would download a few bytes instead of the table).
  const left = walk(out, () => true).filter((f) => {
    if (statSync(f).size > 512) return false;
    return readFileSync(f, "latin1").startsWith(MAGIC);
  });
  if (left.length) {
    throw new Error(`site data stand-ins left in ${out} (loaders/site-data.ts STAND_IN):\n  ${left.join("\n  ")}`);
  }
}
