// Wait for the first SIGINT or SIGTERM, then run the caller's cleanup (the long-running commands
// `em sim` and `em serve` close their server), still listening to both signals until it has ended.
// A listener still registered tells the scratch folders' signal rule (./scratch.ts) that this
// process handles the signal itself, so the process is not ended by the signal before its cleanup
// has run (it then ends with the command's exit code). A second signal during the cleanup gives it
// up: the listeners go and the process ends as that signal does (once no other listener remains).
export async function untilSignal(cleanup: () => unknown): Promise<void> {
  let signalled = false;
  let resolve!: () => void;
  const first = new Promise<void>((r) => (resolve = r));
  const off = (): void => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (!signalled) {
      signalled = true;
      resolve();
      return;
    }
    off();
    // Decided once every listener of this signal has run, as scratch.ts decides.
    setImmediate(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await first;
    await cleanup();
  } finally {
    // Not before the checks other listeners queued when the signal came (scratch.ts decides in a
    // setImmediate whether a listener is left): a cleanup that ended within that turn of the event
    // loop (a server with no open connection closes at once) still handled the signal.
    await new Promise((r) => setImmediate(r));
    off();
  }
}
