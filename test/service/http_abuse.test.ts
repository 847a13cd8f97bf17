/**
 * Issue 11, HTTP: the route is the request's path whatever the Host header
 * says, and the demo pages (which ask for the camera) cannot be framed by
 * other sites, run only this origin's code and leak no referrer. Against the
 * real service, with raw TCP where a browser would not send the request.
 */
import { ok, strictEqual } from "node:assert/strict";
import { startTestService } from "./_service.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends `head` on a new TCP connection; resolves with the status line and the body. */
async function rawRequest(port: number, head: string): Promise<{ status: string; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(encoder.encode(head));
    let text = "";
    const chunk = new Uint8Array(16_384);
    while (true) {
      const read = await conn.read(chunk);
      if (read === null) break;
      text += decoder.decode(chunk.subarray(0, read));
    }
    const [headers, body = ""] = text.split("\r\n\r\n");
    return { status: headers.split("\r\n")[0], body };
  } finally {
    conn.close();
  }
}

Deno.test("http: a Host header cannot move a request to another route (Host: 127.0.0.1/ws? with GET /healthz)", async () => {
  await using service = await startTestService();
  const port = service.server.port;
  const tricked = await rawRequest(
    port,
    "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1/ws?\r\nConnection: close\r\n\r\n",
  );
  strictEqual(tricked.status, "HTTP/1.1 400 Bad Request");
  strictEqual(tricked.body.trim(), "Bad Host header.");
  for (const host of ["a@b", "x#y", "h\\ws", "evil.example:80/ws"]) {
    const { status } = await rawRequest(
      port,
      `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    strictEqual(status, "HTTP/1.1 400 Bad Request", host);
  }
  // Hosts as they are: names, addresses, IPv6 literals, ports.
  for (const host of [`127.0.0.1:${port}`, "localhost", "[::1]:8000", "p2p.example.com"]) {
    const { status, body } = await rawRequest(
      port,
      `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    strictEqual(status, "HTTP/1.1 200 OK", host);
    strictEqual(JSON.parse(body).ok, true);
  }
});

Deno.test("http: the demo pages send a CSP with frame-ancestors 'none', X-Frame-Options DENY and Referrer-Policy no-referrer", async () => {
  const dist = await Deno.makeTempDir({ prefix: "p2p-call-dist-" });
  await Deno.writeTextFile(`${dist}/p2p-call.js`, "export {};\n");
  await using service = await startTestService({ distDir: dist });
  for (const path of ["/", "/cms.html", "/demo/", "/demo.css"]) {
    const response = await fetch(`${service.origin}${path}`);
    await response.body?.cancel();
    strictEqual(response.status, 200, path);
    const csp = response.headers.get("content-security-policy") ?? "";
    ok(/(^|; )frame-ancestors 'none'(;|$)/.test(csp), `${path}: ${csp}`);
    ok(/(^|; )script-src 'self'(;|$)/.test(csp), `${path}: ${csp}`);
    ok(/(^|; )object-src 'none'(;|$)/.test(csp), `${path}: ${csp}`);
    strictEqual(response.headers.get("x-frame-options"), "DENY", path);
    strictEqual(response.headers.get("referrer-policy"), "no-referrer", path);
  }
  // The bundle is loaded by other sites' pages: no page policy of ours on it.
  const bundle = await fetch(`${service.origin}/p2p-call.js`);
  await bundle.body?.cancel();
  strictEqual(bundle.status, 200);
  strictEqual(bundle.headers.get("content-security-policy"), null);
  await Deno.remove(dist, { recursive: true });
});

Deno.test("http: --frame-ancestors lets the named sites frame the demo pages", async () => {
  await using service = await startTestService({
    frameAncestors: "'self' https://cms.example.com",
  });
  const response = await fetch(`${service.origin}/`);
  await response.body?.cancel();
  const csp = response.headers.get("content-security-policy") ?? "";
  ok(csp.includes("frame-ancestors 'self' https://cms.example.com"), csp);
  // X-Frame-Options cannot say that: it is left out, so it does not forbid it.
  strictEqual(response.headers.get("x-frame-options"), null);
});
