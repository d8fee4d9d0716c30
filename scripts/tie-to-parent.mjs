// Preloaded (`node --import scripts/tie-to-parent.mjs SCRIPT`) in the child processes
// loaders/lanes.ts spawnLane and scripts/build.mjs start (the site data step and Framework): the
// child exits as soon as the process that started it ends, however that ends (exit, SIGINT, SIGTERM,
// SIGKILL), instead of running its job to the end (issue 28: a killed build left its import lane
// running ~10 min, and Framework building on). Preloaded, not called from the script, so it watches
// from the start: the script's own modules take seconds to load on a busy machine. Plain JavaScript
// importing nothing, so that Framework, which runs without tsx, can preload it too.
//
// How: the parent passes its pid in EM_TIED_TO_PARENT and makes the child's stdin a pipe it never
// writes to; the kernel closes that pipe when the parent ends, and the child sees its end. The
// variable is removed here, so a process this one starts is tied only when this one ties it.
const parent = process.env.EM_TIED_TO_PARENT;
delete process.env.EM_TIED_TO_PARENT;
if (parent) {
  const label = process.argv[1] ? process.argv[1].split(/[\\/]/).pop() : "child";
  const stop = () => {
    process.stderr.write(`em: ${label}: the process that started this one (pid ${parent}) has ended; stopping\n`);
    process.exit(1);
  };
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
  // Waiting for the parent must not keep this process alive once its work is done.
  process.stdin.unref?.();
}
