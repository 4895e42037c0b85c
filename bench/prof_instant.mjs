const body = '{"ok":true,"n":17}';
const headers = { "content-type": "application/json", "content-length": String(body.length) };
const fetchNow = async () => new Response(body, { status: 200, headers });
const { Client } = await import(process.argv[2]);
const c = new Client({ baseUrl: "http://127.0.0.1:9", fetch: fetchNow });
for (let i = 0; i < 5000; i++) await c.get("/json");
const t = performance.now();
for (let i = 0; i < 60000; i++) await c.get("/json");
console.log(((performance.now() - t) * 1000 / 60000).toFixed(2), "us/req");
