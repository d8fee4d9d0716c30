// The command line of em's long-running servers (`em serve`, `em sim`): --port, --host, --help and
// the command's own string options, parsed and checked in one place.
import {parseArgs} from "node:util";

/** Parsed options: the port (checked 0..65535), the interface, and the command's own options. */
export interface ListenArgs<K extends string> {
  port: number;
  host: string;
  values: Partial<Record<K, string>>;
}

/**
 * Parse `argv` for `command` ("em serve"). Returns the options, or the exit code when the command
 * is done: 0 after printing `help` for --help/-h, 2 (usage) after a message on stderr for an unknown
 * option or a missing value, or a --port that is not an integer 0..65535. `host` defaults to
 * 127.0.0.1; `extra` lists the command's other string options.
 */
export function parseListenArgs<K extends string>(
  command: string,
  argv: string[],
  o: {defaultPort: number; extra: readonly K[]; help: string},
): ListenArgs<K> | number {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({values} = parseArgs({
      args: argv,
      options: {
        port: {type: "string"},
        host: {type: "string"},
        help: {type: "boolean", short: "h"},
        ...Object.fromEntries(o.extra.map((k) => [k, {type: "string" as const}])),
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${command}: ${(error as Error).message}\n\n${o.help}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(o.help);
    return 0;
  }
  const raw = values.port as string | undefined;
  const port = raw === undefined ? o.defaultPort : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`${command}: --port must be an integer 0..65535, got '${raw}'\n`);
    return 2;
  }
  const own = Object.fromEntries(o.extra.filter((k) => values[k] !== undefined).map((k) => [k, values[k] as string])) as Partial<Record<K, string>>;
  return {port, host: (values.host as string | undefined) ?? "127.0.0.1", values: own};
}
