/** Heartbeat: sockets that stop answering pings are dropped (PROTOCOL "Limits"). */
import { strictEqual } from "node:assert/strict";
import { startTestService } from "./_service.ts";
import { OPCODE_PING, RawWebSocket } from "./_raw_socket.ts";

Deno.test("a socket that never answers pings is dropped after the idle timeout and leaves the user list", async () => {
  await using service = await startTestService({ idleTimeoutSeconds: 1 });
  const bob = await service.join("bob");
  const ghost = await RawWebSocket.connect(service.server.port);
  try {
    strictEqual((await ghost.readJson())?.type, "id");
    await ghost.sendText(JSON.stringify({ type: "username", name: "ghost" }));
    await bob.userlist(["bob", "ghost"]);
    await bob.userlist(["bob"]);
    // The ghost saw pings it never answered, then the connection ended.
    let pinged = false;
    while (true) {
      const frame = await ghost.readFrame();
      if (!frame) break;
      if (frame.opcode === OPCODE_PING) pinged = true;
    }
    strictEqual(pinged, true);
  } finally {
    ghost.close();
  }
  // A real client answers pings and outlives the timeout.
  bob.send({ type: "message", text: "still here" });
  strictEqual((await bob.next("message")).text, "still here");
});
