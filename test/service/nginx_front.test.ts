/**
 * docs/deploy.md's nginx configuration, run for real in front of the service:
 * the block is read from the doc itself, and only what cannot run here is
 * replaced (the upstream addresses, the TLS listener, the port-80 redirect).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { startTestService, type TestService } from "./_service.ts";
import { TestClient } from "./_client.ts";
import { freePort } from "../support/process.ts";

const DEPLOY_MD = new URL("../../docs/deploy.md", import.meta.url);

/** The ```nginx block under "### nginx", as the doc prints it. */
async function documentedConfig(): Promise<string> {
  const doc = await Deno.readTextFile(DEPLOY_MD);
  const block = doc.split("### nginx")[1]?.match(/```nginx\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error("docs/deploy.md has no ```nginx block under ### nginx");
  return block;
}

/** The doc's block with loopback addresses for the upstream and the listener. */
function runnable(block: string, upstreamPort: number, listenPort: number, dir: string): string {
  const config = block
    .replace(
      /upstream p2p_signaling \{[\s\S]*?\n\}/,
      (upstream) =>
        upstream.replace(/(\n\s*server [^\n]+)+/, `\n    server 127.0.0.1:${upstreamPort};`),
    )
    .replace(/listen 443 ssl;\n\s*http2 on;/, `listen 127.0.0.1:${listenPort};`)
    .replace(/\s*ssl_certificate[^\n]*/g, "")
    // The redirect server listens on port 80, which this test may not take.
    .replace(/server \{\n\s*listen 80;[\s\S]*?\n\}/, "");
  assert(!/listen 443|listen 80;|10\.0\.0\./.test(config), `not made runnable:\n${config}`);
  return `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${config}
}
`;
}

interface Front extends AsyncDisposable {
  port: number;
}

async function startNginx(service: TestService): Promise<Front> {
  const dir = await Deno.makeTempDir({ prefix: "p2p-nginx-" });
  const port = freePort();
  const conf = runnable(await documentedConfig(), service.server.port, port, dir);
  await Deno.writeTextFile(`${dir}/nginx.conf`, conf);
  const child = new Deno.Command(Deno.env.get("NGINX") ?? "/usr/sbin/nginx", {
    args: ["-p", dir, "-c", `${dir}/nginx.conf`],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        await child.status;
        throw new Error(`nginx did not listen: ${error}\n${await stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    port,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await stderr;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function joinVia(front: Front, name: string): Promise<TestClient> {
  const client = await TestClient.connect(`ws://127.0.0.1:${front.port}/ws`);
  client.send({ type: "username", name, id: client.id, date: Date.now() });
  await client.next((m) => m.type === "userlist" && (m.users as string[]).includes(name));
  return client;
}

Deno.test("nginx as deploy.md configures it: a call's relay passes through, both ways", async () => {
  await using service = await startTestService({ limits: { maxConnectionsPerAddress: 0 } });
  await using front = await startNginx(service);
  const alice = await joinVia(front, "alice");
  const bob = await joinVia(front, "bob");
  try {
    alice.send({ type: "video-offer", target: "bob", sdp: "v=0 offer" });
    assertEquals((await bob.next("video-offer")).name, "alice");
    bob.send({ type: "video-answer", target: "alice", sdp: "v=0 answer" });
    assertEquals((await alice.next("video-answer")).sdp, "v=0 answer");
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
});

Deno.test("nginx as deploy.md configures it: a client that never ends its headers is closed", async () => {
  await using service = await startTestService({ limits: { maxConnectionsPerAddress: 0 } });
  await using front = await startNginx(service);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: front.port });
  const started = Date.now();
  try {
    await conn.write(new TextEncoder().encode("GET /ws HTTP/1.1\r\nHost: x\r\n"));
    const buffer = new Uint8Array(1024);
    // nginx closes it (EOF, or a 408 it may write first) within client_header_timeout.
    while ((await conn.read(buffer)) !== null) { /* drain */ }
  } finally {
    conn.close();
  }
  const seconds = (Date.now() - started) / 1000;
  assert(seconds >= 5 && seconds < 15, `closed after ${seconds} s, expected ~10 s`);
});

Deno.test("nginx as deploy.md configures it: one address gets 64 sockets, not a 65th", async () => {
  await using service = await startTestService({
    limits: { maxConnectionsPerAddress: 0, maxRoomMembers: 200 },
  });
  await using front = await startNginx(service);
  const clients = await Promise.all(
    Array.from({ length: 64 }, () => TestClient.connect(`ws://127.0.0.1:${front.port}/ws`)),
  );
  try {
    const refused = await TestClient.connect(`ws://127.0.0.1:${front.port}/ws`).then(
      async (extra) => {
        await extra.close();
        return false;
      },
      () => true,
    );
    assert(refused, "the 65th connection from one address was let through");
    // The 64 are untouched: one of them still registers and is listed.
    clients[0].send({ type: "username", name: "first", id: clients[0].id, date: Date.now() });
    await clients[0].next((m) => m.type === "userlist");
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});
