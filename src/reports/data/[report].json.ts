// Framework data loader (parameterized: data/NAME.json for src/reports/NAME.md): the report's
// numbers, each the JSON of the `em summarize` command its page shows, and its provenance.
// Bad front matter fails the build with a message naming the report file and the key.
import {buildReport} from "../../../loaders/commands/report.ts";

const arg = process.argv.find((a) => a.startsWith("--report="));
if (!arg) {
  process.stderr.write("report loader: called without --report=NAME\n");
  process.exit(2);
}
const name = arg.slice("--report=".length);
try {
  const data = await buildReport(name, {onQuery: (q, command) => process.stderr.write(`report ${name}: ${q}: ${command}\n`)});
  if (data.missing?.length) process.stderr.write(`report ${name}: built without its data (numbers shown as unknown); missing: ${data.missing.join("; ")}\n`);
  process.stdout.write(JSON.stringify(data));
} catch (e) {
  process.stderr.write(`report ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
