// The simulator as its own process for the pipeline benchmark (bench/pipeline-target.ts), so the
// server's JSON work does not share the client's event loop: a real lab's server is elsewhere.
// Forked with an IPC channel; argv[2] is the simulator config as JSON. Sends {url} once listening;
// answers "stats" with the request counts and the answer log; exits on "close".
import {startSimulator, type SimConfig} from "../../loaders/sim/server.ts";

const config = JSON.parse(process.argv[2] ?? "{}") as SimConfig;
const sim = await startSimulator({port: 0, host: "127.0.0.1", config});
// CPU is counted from here: the answer bank built at start-up is not per-request work.
const cpu0 = process.cpuUsage();
process.send!({url: sim.url});
process.on("message", async (m: unknown) => {
  if (m === "stats") {
    const s = sim.stats;
    const counts = [...s.bodies.values()];
    process.send!({
      requests: s.requests,
      chat: s.byPath["/v1/chat/completions"] ?? 0,
      generate: s.generate,
      judge: s.judge,
      distinct: counts.length,
      repeated: counts.filter((n) => n > 1).length,
      extra: counts.reduce((a, n) => a + n - 1, 0),
      cpuMs: ((c) => (c.user + c.system) / 1000)(process.cpuUsage(cpu0)),
      answered: s.answered,
    });
  } else if (m === "close") {
    await sim.close();
    process.exit(0);
  }
});
