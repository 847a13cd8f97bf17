/** The instance-to-instance wire format over Redis pub/sub (no Redis needed). */
import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import {
  addressOfValue,
  decodeRelay,
  decodeRoomEvent,
  encodeChat,
  encodeRelay,
  MEMBERSHIP_CHANGED,
  newInstanceId,
  parseAddress,
  roomChannel,
  roomOfChannel,
  sequenceOfValue,
} from "../../signaling/redis_keys.ts";

Deno.test("redis wire: a relayed frame survives the trip untouched (line breaks in the SDP, colons in the room)", () => {
  const frame = JSON.stringify({ type: "video-offer", sdp: { sdp: "v=0\r\no=- 1 2 IN IP4\r\n" } });
  const header = {
    room: "lobby: the big one",
    name: "bob",
    type: "video-offer",
    from: { id: "a1b2c3:7", name: "alice" },
  };
  // As the Lua relay script sends it: the recipient's member value first.
  assertEquals(decodeRelay(encodeRelay("d4e5f6:12:99", header, frame)), {
    socket: 12,
    header,
    frame,
  });
  strictEqual(decodeRelay("garbage"), undefined);
  strictEqual(decodeRelay("x:1\n{not json\n{}"), undefined);
  strictEqual(decodeRelay('x:nope\n{"room":"r"}\n{}'), undefined);
});

Deno.test("redis wire: room events, addresses and member values", () => {
  assertEquals(decodeRoomEvent(MEMBERSHIP_CHANGED), { kind: "membership" });
  assertEquals(decodeRoomEvent(encodeChat("a1b2c3", '{"type":"message","text":"hi"}')), {
    kind: "chat",
    origin: "a1b2c3",
    frame: '{"type":"message","text":"hi"}',
  });
  assertEquals(decodeRoomEvent("?"), { kind: "unknown" });
  assertEquals(parseAddress("a1b2c3:42:7"), { instance: "a1b2c3", socket: 42 });
  strictEqual(addressOfValue("a1b2c3:42:7"), "a1b2c3:42");
  strictEqual(sequenceOfValue("a1b2c3:42:7"), 7);
  strictEqual(roomOfChannel(roomChannel("room:with:colons")), "room:with:colons");
  const id = newInstanceId();
  strictEqual(/^[0-9a-f]{12}$/.test(id), true);
});
