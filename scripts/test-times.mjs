// node --test reporter: after the run, the test files by wall time, longest first (with the
// suite's total), so a file that grows is seen in the CI log. `npm run test:unit` and
// `npm run test:browser` run it beside the spec reporter; EM_TEST_TIMES=N lists N files (default 15).
import {relative} from "node:path";

export default async function* testTimes(source) {
  const started = Date.now();
  const files = [];
  for await (const event of source) {
    // The test node:test makes of each file completes with the file's name and its wall time.
    if (event.type === "test:complete" && event.data.nesting === 0 && event.data.file && event.data.name === event.data.file)
      files.push({file: relative(process.cwd(), event.data.file), ms: event.data.details.duration_ms});
  }
  if (!files.length) return;
  files.sort((a, b) => b.ms - a.ms);
  const sum = files.reduce((s, f) => s + f.ms, 0);
  const top = Number(process.env.EM_TEST_TIMES ?? 15);
  yield `\ntest files by wall time (${files.length} files, ${(sum / 1000).toFixed(0)} s summed, ${((Date.now() - started) / 1000).toFixed(0)} s elapsed):\n`;
  for (const f of files.slice(0, top)) yield `${(f.ms / 1000).toFixed(1).padStart(8)} s  ${f.file}\n`;
}
