// Capture what an in-process command writes, without capturing anything else.
//
// `node --test` runs each file in a child process whose stdout also carries the test runner's own
// binary frames, written at any moment (a finished subtest, a diagnostic). Replacing
// process.stdout.write for the duration of a call captures those frames too and corrupts both the
// command's output and the report. Only writes made inside the call's async context are kept here;
// everything else goes through.
import {AsyncLocalStorage} from "node:async_hooks";

const context = new AsyncLocalStorage<{out: string; err: string; all: string}>();

type Write = typeof process.stdout.write;

/** Run fn, returning its result and what it wrote to stdout, to stderr, and to both in order (UTF-8). */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{value: T; out: string; err: string; all: string}> {
  const ow = process.stdout.write.bind(process.stdout) as Write;
  const ew = process.stderr.write.bind(process.stderr) as Write;
  const wrap = (original: Write, key: "out" | "err") =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const store = context.getStore();
      if (!store) return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      store[key] += text;
      store.all += text;
      const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      cb?.();
      return true;
    }) as Write;
  process.stdout.write = wrap(ow, "out");
  process.stderr.write = wrap(ew, "err");
  const store = {out: "", err: "", all: ""};
  try {
    const value = await context.run(store, fn);
    return {value, ...store};
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}
