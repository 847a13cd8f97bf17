/** Starting and stopping: graceful shutdown, and main.ts as other tools run it. */
import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import { startTestService } from "./_service.ts";
import { TestClient } from "./_client.ts";
import { serviceCommand } from "./_child_service.ts";
import { lines } from "../support/process.ts";

Deno.test("graceful shutdown closes every socket with 1001, then stops listening", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const lurker = await service.connect();
  await service.server.shutdown();
  for (const client of [alice, lurker]) {
    const closed = await client.closed;
    assertEquals([closed.code, closed.reason], [1001, "server shutting down"]);
  }
  let refused = false;
  try {
    const response = await fetch(`${service.origin}/healthz`);
    await response.body?.cancel();
  } catch {
    refused = true;
  }
  strictEqual(refused, true);
});

Deno.test("main.ts prints a listening line with the port, serves, and exits 0 on SIGTERM after closing sockets with 1001", async () => {
  const child = serviceCommand(["--port", "0", "--host", "127.0.0.1"], {
    stdout: "piped",
    stderr: "inherit",
    env: { P2P_LOG_LEVEL: "warn" },
  }).spawn();
  const output = lines(child.stdout);
  const rest: string[] = [];
  let client: TestClient | undefined;
  try {
    const first = await output.next();
    const listening = JSON.parse(first.value as string);
    strictEqual(listening.msg, "listening");
    strictEqual(listening.level, "info");
    strictEqual(typeof listening.port, "number");
    ok(listening.port > 0);

    client = await TestClient.connect(`ws://127.0.0.1:${listening.port}/ws`);
    client.send({ type: "username", name: "alice" });
    await client.next("userlist");

    child.kill("SIGTERM");
    strictEqual((await client.closed).code, 1001);
    strictEqual((await child.status).code, 0);
  } finally {
    await client?.close();
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    for await (const line of output) rest.push(line);
    await child.status;
  }
  // --log-level warn (via P2P_LOG_LEVEL) kept the join/leave lines out.
  assertEquals(rest, []);
});

Deno.test("main.ts exits 2 with a clear message on a configuration error", async () => {
  const { code, stdout, stderr } = await serviceCommand(["--port", "eighty"], {
    stdout: "piped",
    stderr: "piped",
  }).output();
  strictEqual(code, 2);
  strictEqual(new TextDecoder().decode(stdout), "");
  strictEqual(
    new TextDecoder().decode(stderr).trim(),
    'p2p-call signaling: --port must be a whole number 0-65535, got "eighty"',
  );
});

Deno.test("main.ts --help prints every flag and exits 0", async () => {
  const { code, stdout } = await serviceCommand(["--help"], {
    stdout: "piped",
    stderr: "null",
  }).output();
  strictEqual(code, 0);
  ok(new TextDecoder().decode(stdout).includes("--token-secret"));
});
