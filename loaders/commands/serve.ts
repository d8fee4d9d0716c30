// `em serve [--dist DIR] [--port N] [--host H]`: serve a built site until SIGINT/SIGTERM.
import {existsSync, statSync} from "node:fs";
import path from "node:path";
import {parseListenArgs} from "../listen-args.ts";
import {ROOT, displayPath} from "../paths.ts";
import {serveStatic} from "../static-server.ts";
import {untilSignal} from "../until-signal.ts";

const HELP = `em serve: serve the built site (dist/) with clean URLs and byte ranges

Usage: em serve [--dist DIR] [--port N] [--host H]

  --dist DIR   the built site (default dist/ in the project; build it with npm run build)
  --port N     port to listen on (default 3000; 0 = any free port)
  --host H     interface (default 127.0.0.1)

Framework's pages are linked without .html (/sensitivity serves sensitivity.html) and /responses
reads its Parquet files by byte range: a static host must do both. Stops on Ctrl-C or SIGTERM.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseListenArgs("em serve", argv, {defaultPort: 3000, extra: ["dist"], help: HELP});
  if (typeof args === "number") return args;
  const {port, host, values} = args;
  const dist = path.resolve(values.dist ?? path.join(ROOT, "dist"));
  if (!existsSync(path.join(dist, "index.html")) || !statSync(dist).isDirectory()) {
    process.stderr.write(`em serve: ${dist} holds no built site (no index.html); run npm run build first\n`);
    return 1;
  }
  let server: Awaited<ReturnType<typeof serveStatic>>;
  try {
    server = await serveStatic(dist, {host, port});
  } catch (error) {
    process.stderr.write(`em serve: cannot listen on ${host}:${port}: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`${server.url}/\n`);
  process.stderr.write(`em serve: ${displayPath(dist)} on ${server.url}/ (Ctrl-C to stop)\n`);
  await untilSignal(() => server.close());
  return 0;
}
