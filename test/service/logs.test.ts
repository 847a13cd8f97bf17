/** Structured logs: one JSON object per line, join/leave recorded, payloads never. */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Logger } from "../../signaling/log.ts";
import { startTestService } from "./_service.ts";

Deno.test("logs are one JSON object per line with time, level and msg; joins and leaves are logged; SDP, candidates and chat text never are", async () => {
  const lines: string[] = [];
  const logger = new Logger("debug", (line) => lines.push(line));
  {
    await using service = await startTestService({}, { logger });
    const alice = await service.join("alice");
    const bob = await service.join("bob");
    alice.send({ type: "video-offer", target: "bob", sdp: { type: "offer", sdp: "SDP-MARKER" } });
    await bob.next("video-offer");
    bob.send({
      type: "new-ice-candidate",
      target: "alice",
      candidate: { candidate: "CANDIDATE-MARKER" },
    });
    await alice.next("new-ice-candidate");
    alice.send({ type: "message", text: "CHAT-MARKER" });
    await bob.next("message");
    alice.send("{ BAD-JSON-MARKER");
    await alice.nextError("bad-json");
    await bob.close();
    await alice.userlist(["alice"]);
  }
  const entries = lines.map((line) => JSON.parse(line));
  for (const entry of entries) {
    ok(
      typeof entry.time === "string" && typeof entry.level === "string" &&
        typeof entry.msg === "string",
    );
  }
  const messages = entries.map((entry) => `${entry.msg}${entry.name ? ` ${entry.name}` : ""}`);
  for (const expected of ["join alice", "join bob", "leave bob", "leave alice"]) {
    ok(messages.includes(expected), `${expected} in ${messages.join(", ")}`);
  }
  assertEquals(lines.filter((line) => line.includes("MARKER")), []);
  ok(lines.every((line) => !line.includes("\n")));
});

Deno.test("log level silent writes nothing", async () => {
  const lines: string[] = [];
  const logger = new Logger("silent", (line) => lines.push(line));
  {
    await using service = await startTestService({}, { logger });
    await service.join("alice");
  }
  assertEquals(lines, []);
});
