// OpenAI-compatible endpoints as an experiment names them: which api key env var each needs, the
// simulator's config, and the cache identity of an endpoint (what its answers depend on besides
// the request; never the key, never the simulator's ephemeral port).
import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import type OpenAI from "openai";
import {cacheKey} from "../cache.ts";
import type {EndpointConfig} from "../experiment.ts";
import {ROOT, displayPath, readTextFile, walkFiles} from "../paths.ts";
import {parseYamlSource} from "../yaml.ts";

const OPENAI_URL = "https://api.openai.com/v1";

export function isSim(cfg: Pick<EndpointConfig, "base_url">): boolean {
  return cfg.base_url === "sim";
}

/** The env var holding the key for an endpoint, or null when none is needed. */
export function apiKeyEnv(cfg: EndpointConfig): string | null {
  if (isSim(cfg)) return null;
  if (cfg.api_key_env) return cfg.api_key_env;
  return cfg.base_url.replace(/\/+$/, "") === OPENAI_URL ? "OPENAI_API_KEY" : null;
}

/** Absolute path of a sim config file named in an experiment (experiment folder first, then project root). */
export function simConfigPath(cfg: EndpointConfig, experimentFile: string): string | null {
  if (typeof cfg.config !== "string") return null;
  const file = path.resolve(path.dirname(experimentFile), cfg.config);
  const alt = path.resolve(ROOT, cfg.config);
  const use = existsSync(file) ? file : alt;
  if (!existsSync(use))
    throw new Error(`${displayPath(experimentFile)}: sim config '${cfg.config}' not found (looked at ${displayPath(file)} and ${displayPath(alt)})`);
  return use;
}

/**
 * Sim config as an object (a path is read relative to the experiment file). JSON files are read
 * as YAML, of which JSON is a subset, so a syntax error names file:line:col either way.
 */
export function simConfig(cfg: EndpointConfig, experimentFile: string): Record<string, unknown> | undefined {
  if (cfg.config === undefined) return undefined;
  if (typeof cfg.config !== "string") return cfg.config;
  const use = simConfigPath(cfg, experimentFile)!;
  return parseYamlSource(readTextFile(use, "sim config"), use).data as Record<string, unknown>;
}

const simCodeHashMemo = new Map<string, string>();
/**
 * Fingerprint of what the simulator's answers depend on besides the request: its source
 * (loaders/sim), the question files it recognises prompts by and the rubrics it recognises judge
 * prompts by (data/judges). Part of the sim's cache identity, so editing the simulator never
 * serves stale cached answers. `questionFiles`: the files the run's simulator reads (the
 * experiment's own question files, see EndpointPool.open), so adding an unrelated file under
 * data/questions changes nothing; without it, every file under data/questions (what `em sim` reads).
 */
export function simCodeHash(questionFiles?: readonly string[]): string {
  const memoKey = questionFiles ? questionFiles.join("\0") : "";
  const memo = simCodeHashMemo.get(memoKey);
  if (memo) return memo;
  const files = [
    ...walkFiles(path.join(ROOT, "loaders/sim"), (f) => f.endsWith(".ts")),
    ...(questionFiles ? [...new Set(questionFiles)].sort() : walkFiles(path.join(ROOT, "data/questions"), (f) => /\.ya?ml$/.test(f))),
    ...walkFiles(path.join(ROOT, "data/judges"), (f) => f.endsWith(".md")),
  ];
  const hash = cacheKey(files.map((f) => [path.relative(ROOT, f), existsSync(f) ? readFileSync(f, "utf8") : null])).slice(0, 16);
  simCodeHashMemo.set(memoKey, hash);
  return hash;
}

/** Whether a host name is this machine (a local server whose port may change between runs). */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || h === "0.0.0.0" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Cache identity of an endpoint: what determines its answers besides model and request.
 * `cache_id` when declared; never the key; for the simulator never its ephemeral port but its
 * config and `simVersion` (the runner passes simCodeHash(the experiment's question files)); for a
 * server on this machine `local<path>` (no host, no port: a restart on another port keeps the cache);
 * otherwise the base_url.
 */
export function endpointId(cfg: EndpointConfig, experimentFile: string, simVersion = ""): string {
  if (cfg.cache_id) return cfg.cache_id;
  if (isSim(cfg)) {
    const conf = simConfig(cfg, experimentFile);
    return `sim${simVersion ? "@" + simVersion : ""}${conf ? ":" + cacheKey(conf).slice(0, 16) : ""}`;
  }
  const url = cfg.base_url.replace(/\/+$/, "");
  // A server on this machine (vLLM, `em sim`, a proxy) is the same server after a restart on
  // another port: its identity is its path without host and port. The model name is part of every
  // key; two local servers with different weights under one model name need distinct `cache_id`s.
  try {
    const u = new URL(url);
    if (isLoopback(u.hostname)) return `local${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    // not a URL: validated elsewhere
  }
  return url;
}

/** A ready endpoint. `label` is safe to print (no key). */
export interface Endpoint {
  id: string;
  label: string;
  url: string;
  sim: boolean;
  /** The SDK client for the next call: round-robin over base_url and its replicas. */
  readonly client: OpenAI;
  /** Every server of the endpoint (base_url first, then replicas) and its client, for checks that must reach each. */
  servers: {url: string; client: OpenAI}[];
  /**
   * `text` with the endpoint's api key replaced by "[redacted]": for error messages, since a server
   * may quote the credentials it was sent back in its error body.
   */
  redact(text: string): string;
}

/** `text` with every occurrence of `secret` replaced by "[redacted]" (unchanged when there is no secret). */
export function redactSecret(text: string, secret: string | null): string {
  return secret ? text.split(secret).join("[redacted]") : text;
}
