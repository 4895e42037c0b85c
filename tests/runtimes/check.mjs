// The judgement of a smoke result (see smoke.js), the same for every runtime.
import assert from "node:assert/strict";

export function checkSmoke(out, label) {
  assert.equal(typeof out, "object", `${label}: no result`);
  assert.deepEqual(out.echo, { path: "/echo/smoke", key: "smoke-key-1234", query: [["q", "x y"]] }, label);
  assert.deepEqual(out.notFound, {
    apiError: true, notFound: true, rateLimit: false, error: true, name: "NotFoundError", code: "insufficient_scope",
    status: 404, requestId: "req_abc123def456", stack: true, json: "insufficient_scope",
    message: "Token nie posiada wymaganego uprawnienia (404 insufficient_scope, GET /status/404, requestId req_abc123def456)",
  }, label);
  assert.equal(out.retry.attempt, 2, label);
  assert.ok(out.retry.ms >= 990 && out.retry.ms < 1400, `${label}: Retry-After 1 s took ${out.retry.ms} ms`);
}
