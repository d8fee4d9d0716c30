// `em cache merge DEST SRC...`: combine caches written on several machines (one per shard of
// `em run --shard K/N`) into one that rebuilds everything with zero calls. See loaders/cache-merge.ts.
import {parseArgs} from "node:util";
import {KEY_SCHEME, mergeCachesLocked} from "../cache-merge.ts";
import {displayPath} from "../paths.ts";
import {compact} from "../progress.ts";

export const USAGE = `Usage: em cache merge DEST SRC [SRC...]

Copy every cache shard file of the SRC cache folders into DEST (created when
missing). A cache is a set of append-only files with unique names, so this is a
union; copying SRC/v1/*.jsonl by hand does the same, without the checks:

  - every SRC must be a cache folder of this layout (v1/);
  - a SRC whose keys.json shows it was written only by em versions that compute
    request keys differently is refused (its entries would never be hit);
  - two different files with one name are refused.
Everything is checked before anything is written. Batches still pending in a SRC
are reported (run \`em batch wait --cache SRC\` first). DEST and every SRC are
locked as \`em run\` locks its cache: while another em process uses one of them,
the merge waits, naming it (a run on DEST would otherwise pay again for what the
merge copies in).

Exit status: 0 merged; 1 bad input (nothing written).
This version's key scheme: ${KEY_SCHEME}
`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h") {
    process.stdout.write(USAGE);
    return sub ? 0 : 1;
  }
  if (sub !== "merge") {
    process.stderr.write(`em cache: unknown subcommand '${sub}' (known: merge)\n\n${USAGE}`);
    return 1;
  }
  const {positionals, values} = parseArgs({args: rest, options: {help: {type: "boolean", short: "h", default: false}}, allowPositionals: true, strict: true});
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length < 2) {
    process.stderr.write(`em cache merge: needs DEST and at least one SRC (got ${positionals.length} folder(s))\n\n${USAGE}`);
    return 1;
  }
  const [dest, ...sources] = positionals as [string, ...string[]];
  const r = await mergeCachesLocked(dest, sources, {onWait: (m) => process.stderr.write(`em cache merge: ${m}\n`)});
  for (const w of r.warnings) process.stderr.write(`em cache merge: warning: ${w}\n`);
  process.stdout.write(
    `merged ${sources.length} cache(s) into ${displayPath(dest)}: ${r.copied} shard file(s) copied, ${r.extended} extended, ${r.skipped} already there; ` +
      `${compact(r.added)} new entries, ${compact(r.entries)} in all${r.conflicts ? `; ${r.conflicts} key(s) with two different values (the later shard file wins)` : ""}\n`,
  );
  return 0;
}
