// The static server for a built site (`em serve`, `npm run serve`, `em report pdf`, the browser tests):
// Framework's clean URLs (/page -> page.html, /dir/ -> dir/index.html) and single byte ranges, which
// /responses needs to read Parquet row groups and search postings. Generic static servers (Python's
// http.server, for one) answer 404 on the extension-less links and ignore Range.
import {createServer, type Server} from "node:http";
import {open, readFile, stat} from "node:fs/promises";
import {extname, join, normalize, resolve} from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".arrow": "application/vnd.apache.arrow.stream",
  ".parquet": "application/vnd.apache.parquet",
  ".csv": "text/csv; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
  /** Paths requested so far, with their status codes and body bytes sent. */
  requests: {path: string; status: number; bytes?: number}[];
}

/** Serve `dir` on `host` (default 127.0.0.1) and `port` (default 0 = any free port). */
export async function serveStatic(dir: string, {host = "127.0.0.1", port = 0}: {host?: string; port?: number} = {}): Promise<StaticServer> {
  const root = resolve(dir);
  const requests: {path: string; status: number; bytes?: number}[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const candidates = path.endsWith("/") ? [path + "index.html"] : [path, path + ".html"];
    for (const candidate of candidates) {
      const file = normalize(join(root, candidate));
      if (!file.startsWith(root)) break;
      try {
        const info = await stat(file);
        if (!info.isFile()) continue;
        const type = TYPES[extname(file)] ?? "application/octet-stream";
        // Byte ranges (RFC 9110), as `observable preview` and any static host answer them: the
        // responses page reads Parquet row groups and search postings by range. One range only.
        const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
        if (range && (range[1] || range[2])) {
          const size = info.size;
          const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
          const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
          if (start > end || start >= size) {
            res.writeHead(416, {"content-range": `bytes */${size}`});
            res.end();
            requests.push({path, status: 416, bytes: 0});
            return;
          }
          res.writeHead(206, {
            "content-type": type,
            "content-range": `bytes ${start}-${end}/${size}`,
            "content-length": String(end - start + 1),
            "accept-ranges": "bytes",
          });
          // Read only the range: a page reads a few KB at a time from files of tens of MB.
          const part = Buffer.alloc(end - start + 1);
          const handle = await open(file, "r");
          try {
            await handle.read(part, 0, part.length, start);
          } finally {
            await handle.close();
          }
          res.end(part);
          requests.push({path, status: 206, bytes: end - start + 1});
          return;
        }
        const body = await readFile(file);
        res.writeHead(200, {"content-type": type, "content-length": String(body.length), "accept-ranges": "bytes"});
        res.end(req.method === "HEAD" ? undefined : body);
        requests.push({path, status: 200, bytes: req.method === "HEAD" ? 0 : body.length});
        return;
      } catch {
        // try the next candidate
      }
    }
    res.writeHead(404, {"content-type": "text/plain"});
    res.end("not found");
    requests.push({path, status: 404});
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, ok);
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("static server has no port");
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`,
    requests,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
