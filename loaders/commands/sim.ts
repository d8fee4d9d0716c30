// `em sim [--port N] [--host H] [--config FILE]`: run the OpenAI-compatible simulator until SIGINT/SIGTERM.
import {parseListenArgs} from "../listen-args.ts";
import {loadSimConfig, startSimulator, type SimConfig} from "../sim/server.ts";
import {untilSignal} from "../until-signal.ts";

const HELP = `em sim: start the OpenAI-compatible simulator (simulated fine-tuned models and judges)

Usage: em sim [--port N] [--host H] [--config FILE]

  --port N        port to listen on (default 0 = any free port)
  --host H        interface (default 127.0.0.1)
  --config FILE   JSON or YAML simulator config, e.g. {faults: {rate: 0.1, kinds: [429, reset]}, latencyMs: 5}

Models: sim:base, sim:<organism>@<coordinate> (organisms medical, financial, sport, fiction);
judges: sim-judge-strict, sim-judge-lenient, sim-judge-weak. See docs/simulator.md.
Prints the base URL on stdout; stops on Ctrl-C (SIGINT) or SIGTERM and prints request counts on stderr.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseListenArgs("em sim", argv, {defaultPort: 0, extra: ["config"], help: HELP});
  if (typeof args === "number") return args;
  const {port, host, values} = args;
  const config: SimConfig = values.config ? loadSimConfig(values.config) : {};
  const sim = await startSimulator({port, host, config});
  for (const w of sim.warnings) process.stderr.write(`em sim: warning: ${w}\n`);
  process.stdout.write(`${sim.url}\n`);
  process.stderr.write(`em sim: listening on ${sim.url} (Ctrl-C to stop)\n`);
  await untilSignal(async () => {
    await sim.close();
    const s = sim.stats;
    process.stderr.write(
      `em sim: stopped after ${s.requests} requests (${s.generate} generation, ${s.judge} judge, ${s.faults} faults${s.guessed ? `, ${s.guessed} judge prompts matched no rubric` : ""})\n`,
    );
  });
  return 0;
}
