/** Who may open /ws: the Origin allowlist and tokens. */
import { strictEqual } from "node:assert/strict";
import { createHandler } from "../../signaling/handler.ts";
import { mintToken } from "../../signaling/token.ts";
import { startTestService, testConfig } from "./_service.ts";

function upgradeRequest(headers: Record<string, string> = {}, query = ""): Request {
  return new Request(`http://127.0.0.1/ws${query}`, {
    headers: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      ...headers,
    },
  });
}

Deno.test("with an Origin allowlist, an upgrade from another origin is refused with 403", async () => {
  const handler = createHandler(testConfig({ allowedOrigins: ["https://app.example"] }));
  try {
    const refused: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      {}, // no Origin at all
    ];
    for (const headers of refused) {
      const response = await handler(upgradeRequest(headers));
      strictEqual(response.status, 403, JSON.stringify(headers));
      await response.body?.cancel();
    }
  } finally {
    await handler.shutdown();
  }
});

Deno.test("with an Origin allowlist, listed origins connect over a real socket, others fail", async () => {
  await using service = await startTestService({ allowedOrigins: ["https://app.example"] });
  const allowed = await service.connect({ headers: { origin: "https://app.example" } });
  strictEqual(typeof allowed.id, "number");
  let refused = "";
  try {
    await service.open({ headers: { origin: "https://evil.example" } });
  } catch (error) {
    refused = (error as Error).message;
  }
  strictEqual(/403/.test(refused), true, refused);
});

Deno.test("without an allowlist any origin may connect", async () => {
  await using service = await startTestService();
  const client = await service.connect({ headers: { origin: "https://anywhere.example" } });
  strictEqual(client.id > 0, true);
});

Deno.test("with a token secret, a missing token gets unauthorized and close 1008 (readable by a browser)", async () => {
  await using service = await startTestService({ tokenSecret: "0123456789abcdef-secret" });
  const client = await service.open();
  const error = await client.nextError("unauthorized");
  strictEqual(typeof error.message, "string");
  strictEqual((await client.closed).code, 1008);
  const withToken = await service.join("alice", {
    query: { token: await mintToken("0123456789abcdef-secret", 30) },
  });
  strictEqual(withToken.name, "alice");
});

Deno.test("/ws without an upgrade answers 426, and a broken handshake 400", async () => {
  const handler = createHandler(testConfig());
  try {
    const plain = await handler(new Request("http://127.0.0.1/ws"));
    strictEqual(plain.status, 426);
    strictEqual(plain.headers.get("upgrade"), "websocket");
    await plain.body?.cancel();
    const broken = await handler(upgradeRequest({ connection: "keep-alive" }));
    strictEqual(broken.status, 400);
    await broken.body?.cancel();
  } finally {
    await handler.shutdown();
  }
});
