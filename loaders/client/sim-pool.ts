// Ready endpoints for a run: an SDK client per endpoint (keys from env, our keep-alive transport)
// and, for `base_url: sim`, an in-process simulator started on demand and closed at the end.
import OpenAI from "openai";
import {cacheKey} from "../cache.ts";
import type {EndpointConfig} from "../experiment.ts";
import {apiKeyEnv, endpointId, isSim, redactSecret, simCodeHash, simConfig, simConfigPath, type Endpoint} from "./endpoints.ts";
import {nodeFetch} from "./transport.ts";

type SimModule = typeof import("../sim/server.ts");

/** Starts simulators on demand (one per distinct config) and closes them all at the end of a run. */
export class EndpointPool {
  private sims = new Map<string, Promise<Awaited<ReturnType<SimModule["startSimulator"]>>>>();
  private simModule: Promise<SimModule> | null = null;

  /** The simulator is loaded only when an experiment uses it (its answer bank is large). */
  private loadSim(): Promise<SimModule> {
    this.simModule ??= import("../sim/server.ts");
    return this.simModule;
  }

  /** An endpoint ready for calls. Throws a clear error when its key env var is missing. */
  async open(cfg: EndpointConfig, experimentFile: string, questionFiles?: readonly string[]): Promise<Endpoint> {
    let url = cfg.base_url.replace(/\/+$/, "");
    let apiKey = "none";
    let secret: string | null = null;
    let label = url;
    if (isSim(cfg)) {
      const conf = simConfig(cfg, experimentFile);
      const k = conf ? cacheKey(conf) : "default";
      let sim = this.sims.get(k);
      if (!sim) {
        const mod = await this.loadSim();
        // The simulator's own loader validates a config file and names its fields in errors.
        const file = simConfigPath(cfg, experimentFile);
        const config = (file ? mod.loadSimConfig(file) : conf) ?? {};
        // The simulator reads the experiment's question files only (they are in its cache identity).
        sim = mod.startSimulator({port: 0, config: questionFiles && !config.questionPaths ? {...config, questionPaths: [...questionFiles]} : config});
        this.sims.set(k, sim);
      }
      url = (await sim).url.replace(/\/+$/, "");
      apiKey = "sim";
      label = "sim";
    } else {
      const env = apiKeyEnv(cfg);
      if (env) {
        const v = process.env[env];
        if (!v) throw new Error(`endpoint ${url} needs an api key: environment variable ${env} is not set`);
        apiKey = secret = v;
      }
    }
    const clientFor = (baseURL: string) => new OpenAI({baseURL, apiKey, timeout: cfg.timeout_s * 1000, maxRetries: cfg.max_retries, fetch: nodeFetch});
    const servers = [url, ...(cfg.replicas ?? []).map((r) => r.replace(/\/+$/, ""))].map((u) => ({url: u, client: clientFor(u)}));
    const id = endpointId(cfg, experimentFile, isSim(cfg) ? simCodeHash(questionFiles) : "");
    let next = 0;
    return {
      id,
      label: servers.length > 1 ? `${label} (+${servers.length - 1} replica${servers.length > 2 ? "s" : ""})` : label,
      url,
      sim: isSim(cfg),
      servers,
      get client() {
        const s = servers[next % servers.length]!;
        next++;
        return s.client;
      },
      redact: (text) => redactSecret(text, secret),
    };
  }

  async close(): Promise<void> {
    const all = [...this.sims.values()];
    this.sims.clear();
    for (const s of all) {
      try {
        await (await s).close();
      } catch {
        // a simulator that failed to start has nothing to close
      }
    }
  }
}
