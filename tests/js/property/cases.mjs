// What a server may send, as fast-check arbitraries (issue 21): a status of every class, a content type, a header
// set, and a body described small (`{ kind, ... }`) and built into bytes only when it is served, so a body nested
// 100,000 deep or an array of a million items costs a description while fast-check generates and shrinks it.
import fc from "fast-check";
import { KEY } from "./check.mjs";

const statuses = [200, 201, 202, 204, 206, 300, 302, 304, 400, 401, 402, 403, 404, 405, 409, 410, 418, 422, 429, 451,
  500, 501, 502, 503, 504, 599];
const types = ["application/json", "application/json; charset=utf-8", "application/problem+json",
  "application/vnd.api+json", 'application/json;charset="UTF-8"', "APPLICATION/JSON", "text/plain", "text/html; charset=utf-8",
  "text/xml", "application/octet-stream", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "",
  "garbage/", ";;;", undefined];
// The names the client reads, a few it does not.
const headerNames = ["Retry-After", "retry-after-ms", "RateLimit", "RateLimit-Policy", "RateLimit-Limit",
  "RateLimit-Remaining", "RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
  "X-RateLimit-Reset-After", "X-Request-Id", "Request-Id", "X-Correlation-Id", "Date", "X-Custom"];
const oddNumbers = ["0", "-1", "1", "0.5", "1e309", "-1e309", "NaN", "Infinity", "1000000000000", "9007199254740993",
  "1.7976931348623157e308", "5e-324", "00012", "+3", "0x10", " 2 ", "1,2", ""];
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const headerValue = fc.oneof(
  fc.constantFrom(...oddNumbers),
  fc.constantFrom("Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 2100 23:59:59 GMT", "Mon, 32 Foo 99999 99:99:99 GMT",
    '"default";r=0;t=1', '"a";q=10;w=1, "b";q=20;w=5', "limit=10, remaining=0, reset=3", "r=;t=", '"x";r=-5;t=1e309', KEY),
  printable,
);
const header = fc.tuple(fc.constantFrom(...headerNames), headerValue);

// Keys the error readers look for (dialects), keys that are dangerous as property names, and anything.
const keys = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "error", "message", "errors",
    "detail", "title", "code", "error_msg", "requestId", "request_id", "non_field_errors", "statusCode", "status",
    "type", "instance", "timestamp", "path", KEY),
  fc.string({ unit: "binary", maxLength: 12 }),
);
// Strings with lone surrogates, NUL, BOM and the key in them; numbers JSON.parse turns into Infinity or rounds.
const strings = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("\u0000", "\ufeff", "\ud800", "\udfff x \ud83d", `key ${KEY} leaked`, "<html>", ""));
const rawNumbers = fc.constantFrom("1e309", "-1e309", "1e-400", "123456789012345678901234567890", "-0", "0.1e1", "5e-324");
const leaf = fc.oneof(strings.map((s) => JSON.stringify(s)), rawNumbers, fc.double().map((d) => JSON.stringify(d) ?? "null"),
  fc.constantFrom("true", "false", "null"));
// A JSON text of a few levels, as text (so 1e309 stays as written).
const { value: jsonText } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 6 }).map((items) => `[${items.join(",")}]`),
  object: fc.array(fc.tuple(keys, tie("value")), { maxLength: 6 }).map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
}));

const body = fc.oneof(
  fc.record({ kind: fc.constant("json"), text: jsonText }),
  fc.record({ kind: fc.constant("deep"), shape: fc.constantFrom("array", "object", "errors", "drf", "mixed"),
    depth: fc.integer({ min: 0, max: 100_000 }), leaf }),
  fc.record({ kind: fc.constant("wide"), object: fc.boolean(), items: fc.integer({ min: 0, max: 1_000_000 }), item: leaf }),
  fc.record({ kind: fc.constant("long"), length: fc.integer({ min: 0, max: 2_000_000 }), char: fc.constantFrom("x", "\u00e9", "\ud83d\ude00", "\\", "\"", "\n", KEY), field: keys, asText: fc.boolean() }),
  fc.record({ kind: fc.constant("text"), parts: fc.array(fc.oneof(strings, fc.constantFrom("<title>", "</title>", "<pre>", "</pre>",
    "<h1>", "<body", "<!--", "<script>", "&amp;", "&#0;", "&#xD800;", "Cannot GET /x", KEY)), { maxLength: 20 }) }),
  fc.record({ kind: fc.constant("bytes"), bytes: fc.uint8Array({ maxLength: 400 }) }),
  fc.constant({ kind: "empty" }),
);

/** A generated reply: status, content type (undefined: none), headers, body description, an optional BOM. */
export const replies = fc.record({
  status: fc.constantFrom(...statuses),
  type: fc.constantFrom(...types),
  headers: fc.array(header, { maxLength: 6 }),
  body,
  bom: fc.boolean(),
});

/** The bytes of a body description (iterative: no recursion however deep). */
export function bodyBytes({ body: b, bom }) {
  let text;
  switch (b.kind) {
    case "json": text = b.text; break;
    case "deep": {
      const [open, close] = {
        array: ["[", "]"], object: ['{"a":', "}"], errors: ['{"errors":', "}"], drf: ['{"title":[', "]}"], mixed: ['[{"e":', "}]"],
      }[b.shape];
      text = open.repeat(b.depth) + b.leaf + close.repeat(b.depth);
      break;
    }
    case "wide": {
      const items = new Array(b.items);
      for (let i = 0; i < b.items; i++) items[i] = b.object ? `"k${i}":${b.item}` : b.item;
      text = b.object ? `{${items.join(",")}}` : `[${items.join(",")}]`;
      break;
    }
    case "long": {
      const s = b.char.repeat(Math.ceil(b.length / b.char.length)).slice(0, b.length);
      text = b.asText ? s : JSON.stringify({ [b.field]: s });
      break;
    }
    case "text": text = b.parts.join(""); break;
    case "bytes": return Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(b.bytes)]);
    default: text = "";
  }
  return Buffer.from((bom ? "\ufeff" : "") + text, "utf8");
}

/** Stores `reply` on the local server as /stash/{id}. */
export async function stash(base, id, reply) {
  const query = new URLSearchParams({ status: String(reply.status) });
  if (reply.type !== undefined) query.set("type", reply.type);
  for (const [name, value] of reply.headers) query.append("h", `${name}:${value}`);
  const r = await fetch(`${base}/stash/${id}?${query}`, { method: "PUT", body: bodyBytes(reply) });
  if (!r.ok) throw new Error(`stash answered ${r.status}`);
}

/** A short description of a reply, for a failure message. */
export function describe(reply) {
  const b = { ...reply.body };
  if (b.text && b.text.length > 200) b.text = b.text.slice(0, 200) + "…";
  if (b.bytes) b.bytes = `${b.bytes.length} bytes`;
  return JSON.stringify({ ...reply, body: b });
}
