// One tab's (or worker's) burst for tests/js/share.test.mjs and bench figure 9: `count` GETs at once against the
// reference REST API, in the session `session` with the limit `limit`, sharing `shareAcross` when given.
import { Client } from "/pkg/index.browser.js";

export async function burst({ count, session, shareAcross, limit }) {
  const api = new Client({
    baseUrl: location.origin,
    apiKey: "demo-read",
    shareAcross,
    retry: { maxRetries: 10 },
    headers: { "X-Demo-Session": session, "X-Demo-Limit": limit },
  });
  const settled = await Promise.allSettled(Array.from({ length: count }, () => api.get("/api/PurchaseDocuments/my")));
  const failures = settled.filter((s) => s.status === "rejected").map((s) => String(s.reason));
  return { ok: count - failures.length, failures, rateLimit: api.rateLimit };
}
