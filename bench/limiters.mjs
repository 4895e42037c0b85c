// Bursts against rate limiters that say nothing about their limit, for `make bench` and tests/js/limiters.test.mjs:
// nginx from Debian's packages (limit_req, a real limiter no one here wrote), started here with its own prefix and
// config, and the reference server's SeaTable flavour (a bare 429 with no header at all).
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** nginx's `limit_req rate=10r/s burst=10 nodelay`: 11 at once, then one every 100 ms. */
export const NGINX_RATE = 10, NGINX_BURST = 10;

/** The nginx binary from Debian's package, or null when it is not installed. */
export function findNginx() {
  for (const candidate of ["/usr/sbin/nginx", "/usr/bin/nginx"]) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts nginx on 127.0.0.1 with a config of its own in a fresh prefix: `/limited.json?k=<key>` is a file served
 * under `limit_req` keyed by `k` (so every run has a bucket of its own), and a refusal is a 429 with
 * `Retry-After: 1`. Returns { base, refusedFor(key), stop() }; refusedFor counts 429s in the access log.
 */
export async function startNginx() {
  const binary = findNginx();
  if (!binary) throw new Error("nginx is not installed (make setup-nginx installs Debian's package)");
  const prefix = mkdtempSync(join(tmpdir(), "polite-nginx-"));
  mkdirSync(join(prefix, "www"));
  mkdirSync(join(prefix, "temp"));
  writeFileSync(join(prefix, "www/limited.json"), '{"ok":true}\n');
  const port = await freePort();
  // master_process off: one process as the current user (a root master would hand requests to `nobody`, who
  // cannot read a private temp dir). A `return` runs before limit_req and is never limited, hence the file.
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${prefix}/temp/${t};`).join("\n");
  writeFileSync(join(prefix, "nginx.conf"), `
daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
${temp}
  log_format refusals '$arg_k $status';
  access_log ${prefix}/access.log refusals;
  default_type application/json;
  limit_req_zone $arg_k zone=burst:1m rate=${NGINX_RATE}r/s;
  limit_req_status 429;
  server {
    listen 127.0.0.1:${port};
    root ${prefix}/www;
    location = /limited.json {
      limit_req zone=burst burst=${NGINX_BURST} nodelay;
      error_page 429 = @refused;
    }
    location @refused {
      add_header Retry-After 1 always;
      return 429 '{"error":"too_many_requests"}\\n';
    }
  }
}
`);
  const child = spawn(binary, ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "error.log")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode != null) throw new Error(`nginx exited: ${stderr}${readFileSync(join(prefix, "error.log"), "utf8")}`);
    try {
      if ((await fetch(`${base}/limited.json`)).ok) break; // no `k`: an empty key is never limited
    } catch {}
    if (i > 100) throw new Error(`nginx did not answer on ${base}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    version: spawnSync(binary, ["-v"], { encoding: "utf8" }).stderr.trim().replace(/^nginx version: /, ""), // "nginx/1.22.1"
    refusedFor(key) {
      return readFileSync(join(prefix, "access.log"), "utf8").split("\n").filter((line) => line === `${key} 429`).length;
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode != null ? r() : child.once("exit", r)));
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/**
 * Fires `count` GETs of `path(i)` at once through `get` and returns { failures, makespan } (ms).
 */
export async function burst(get, count, path) {
  const started = performance.now();
  const settled = await Promise.allSettled(Array.from({ length: count }, (_, i) => get(path(i))));
  return { failures: settled.filter((s) => s.status === "rejected").length, makespan: performance.now() - started, errors: settled.filter((s) => s.status === "rejected").slice(0, 3).map((s) => String(s.reason)) };
}

/** The ideal makespan of `count` requests against a bucket of `burstSize` refilled at `perSecond`. */
export function idealMakespan(count, burstSize, perSecond) {
  return (Math.max(0, count - burstSize) / perSecond) * 1000;
}

/** A run key no other run shares. */
export const runKey = (name) => `${name.replace(/\W+/g, "-")}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * A fresh session of the reference server's SeaTable flavour on `seatable` (from `seatableBase`), so a fresh fixed
 * window of 10 per second: the rows path, the headers that name the session (`withToken`: with the base token too,
 * for clients that have no token option), and how many 429s the session was sent.
 */
export function seatableSession(server, seatable, name, { withToken = false } = {}) {
  const session = runKey(name);
  return {
    path: `/api/v2/dtables/${seatable.baseUuid}/rows/`,
    headers: { ...(withToken ? { Authorization: `Token ${seatable.token}` } : {}), "X-Demo-Session": session, "X-Demo-Limit": "10/1000" },
    refused: async () => (await (await fetch(`${server}/api/__refused/${session}`)).json()).count,
  };
}

/** Exchanges the reference server's SeaTable API token for a base token; returns { gateway, baseUuid, token }. */
export async function seatableBase(server) {
  const response = await fetch(`${server}/api/v2.1/dtable/app-access-token/`, { headers: { Authorization: "Token demo-seatable-api-token" } });
  if (!response.ok) throw new Error(`token exchange: ${response.status}`);
  const t = await response.json();
  return { gateway: t.dtable_server.replace(/\/$/, ""), baseUuid: t.dtable_uuid, token: t.access_token };
}
