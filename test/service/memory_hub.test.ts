import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import type { Member, PeerRef } from "../../signaling/hub.ts";
import { InMemoryHub } from "../../signaling/memory_hub.ts";
import { HELD_MAX_FRAMES } from "../../signaling/resume.ts";

/** A member that records its frames and can await its next userlist. */
class FakeMember implements Member {
  static #nextId = 1;
  readonly id = FakeMember.#nextId++;
  readonly frames: string[] = [];
  readonly delivered: { frame: string; type: string; from: PeerRef }[] = [];
  #onUserlist: (() => void) | undefined;

  send(frame: string): void {
    this.frames.push(frame);
    if (frame.startsWith('{"type":"userlist"')) this.#onUserlist?.();
  }

  deliver(frame: string, type: string, from: PeerRef): void {
    this.delivered.push({ frame, type, from });
  }

  close(): void {}

  userlists(): string[][] {
    return this.frames.filter((f) => f.startsWith('{"type":"userlist"')).map((f) =>
      JSON.parse(f).users
    );
  }

  nextUserlist(): Promise<void> {
    return new Promise((resolve) => this.#onUserlist = resolve);
  }
}

function hub(userlistDelayMs = 0) {
  return new InMemoryHub({ userlistDelayMs, maxNameLength: 64 });
}

/** New members registered one after another, each as [room, name]. */
async function registered(
  presence: InMemoryHub,
  ...places: [room: string, name: string][]
): Promise<FakeMember[]> {
  const members = [];
  for (const [room, name] of places) {
    const member = new FakeMember();
    await presence.register(member, room, name);
    members.push(member);
  }
  return members;
}

Deno.test("hub: names are unique per room; a taken name gets the next free number", async () => {
  const presence = hub();
  try {
    const names = [];
    for (let i = 0; i < 4; i++) {
      names.push(await presence.register(new FakeMember(), "lobby", "guest"));
    }
    assertEquals(names, ["guest", "guest2", "guest3", "guest4"]);
    strictEqual(await presence.register(new FakeMember(), "other", "guest"), "guest");
    assertEquals(presence.stats(), { rooms: 2, members: 5, held: 0 });
  } finally {
    await presence.close();
  }
});

Deno.test("hub: re-registering renames or moves the member and frees its old name", async () => {
  const presence = hub();
  try {
    const alice = new FakeMember();
    await presence.register(alice, "lobby", "alice");
    strictEqual(await presence.register(alice, "lobby", "carol"), "carol");
    strictEqual(presence.find("lobby", "alice"), undefined);
    strictEqual(presence.find("lobby", "carol"), alice);
    strictEqual(await presence.register(new FakeMember(), "lobby", "alice"), "alice");
    strictEqual(await presence.register(alice, "hall", "carol"), "carol");
    strictEqual(presence.find("lobby", "carol"), undefined);
    assertEquals(presence.lookup(alice.id)?.room, "hall");
    await presence.unregister(alice);
    strictEqual(presence.lookup(alice.id), undefined);
    assertEquals(presence.stats(), { rooms: 1, members: 1, held: 0 });
  } finally {
    await presence.close();
  }
});

Deno.test("hub: a join storm yields one userlist per member, not one per join", async () => {
  const presence = hub(0);
  try {
    const members = Array.from({ length: 200 }, () => new FakeMember());
    const last = members.at(-1)!.nextUserlist();
    members.forEach((member, i) => presence.registerNow(member, "lobby", `user${i}`));
    await last;
    for (const member of members) {
      assertEquals(member.userlists().length, 1);
      strictEqual(member.userlists()[0].length, 200);
    }
  } finally {
    presence.close();
  }
});

Deno.test("hub: the userlist is in join order and lists registered members only", async () => {
  const presence = hub(0);
  try {
    const [a, b] = [new FakeMember(), new FakeMember()];
    const listed = b.nextUserlist();
    presence.registerNow(a, "lobby", "zed");
    presence.registerNow(b, "lobby", "amy");
    await listed;
    assertEquals(b.userlists(), [["zed", "amy"]]);
  } finally {
    presence.close();
  }
});

Deno.test("hub: a room that empties is forgotten along with its pending userlist", async () => {
  const presence = hub(10_000);
  const member = new FakeMember();
  await presence.register(member, "lobby", "solo");
  await presence.unregister(member);
  assertEquals(presence.stats(), { rooms: 0, members: 0, held: 0 });
  // No close(): the 10 s timer must already be gone, or the op sanitizer fails this test.
});

Deno.test("hub: broadcast reaches every member of the sender's room and nobody else", async () => {
  const presence = hub(10_000);
  try {
    const [a, b, c] = await registered(presence, ["lobby", "a"], ["lobby", "b"], ["hall", "c"]);
    await presence.broadcast(b, "hello");
    assertEquals([a.frames, b.frames, c.frames], [["hello"], ["hello"], []]);
  } finally {
    await presence.close();
  }
});

Deno.test("hub: relay reaches the named member of the sender's room, stamped with the sender's address", async () => {
  const presence = hub(10_000);
  try {
    const [a, b, c] = await registered(presence, ["lobby", "a"], ["lobby", "b"], ["hall", "c"]);
    const recipient = await presence.relay(a, "b", "offer", "video-offer");
    assertEquals(recipient, { id: String(b.id), name: "b" });
    assertEquals(b.delivered, [{
      frame: "offer",
      type: "video-offer",
      from: { id: String(a.id), name: "a" },
    }]);
    strictEqual(await presence.relay(a, "c", "offer", "video-offer"), undefined);
    strictEqual(c.delivered.length, 0);
    // relayToPeer reaches the socket whatever its name now, but not in another
    // room, and says whether it did.
    await presence.register(b, "lobby", "bea");
    strictEqual(await presence.relayToPeer(a, recipient!, "bye", "hang-up"), true);
    strictEqual(b.delivered.at(-1)?.frame, "bye");
    await presence.register(b, "hall", "bea");
    strictEqual(await presence.relayToPeer(a, recipient!, "bye again", "hang-up"), false);
    strictEqual(b.delivered.length, 2);
  } finally {
    await presence.close();
  }
});

Deno.test("hub: a held name keeps its place; a resume swaps the socket, keeps old addresses and counts once", async () => {
  const presence = hub(10_000);
  try {
    const [a, b] = await registered(presence, ["lobby", "a"], ["lobby", "b"]);
    const back = new FakeMember();
    const toA = await presence.relay(b, "a", "offer", "video-offer");
    await presence.hold(a, { token: "t", graceMs: 10_000, callPeer: undefined });
    assertEquals(presence.stats(), { rooms: 1, members: 2, held: 1 });
    // Held, not gone: the relay is queued, not refused.
    assertEquals(await presence.relay(b, "a", "late", "message"), toA);
    strictEqual(a.delivered.length, 1);
    // The wrong room, or a name the hold was not for, resumes nothing.
    strictEqual(await presence.resume(back, "hall", "a", "t"), undefined);
    strictEqual(await presence.resume(back, "lobby", "b", "t"), undefined);
    const resumed = await presence.resume(back, "lobby", "a", "t");
    strictEqual(resumed?.name, "a");
    assertEquals(resumed?.frames.map((held) => held.frame), ["late"]);
    assertEquals(resumed?.users, ["a", "b"]);
    strictEqual(await presence.resume(new FakeMember(), "lobby", "a", "t"), undefined);
    // b's address for the old socket reaches the new one.
    await presence.relayToPeer(b, toA!, "bye", "hang-up");
    strictEqual(back.delivered.at(-1)?.frame, "bye");
    assertEquals(presence.stats(), { rooms: 1, members: 2, held: 0 });
    await presence.unregister(back);
    assertEquals(presence.stats(), { rooms: 1, members: 1, held: 0 });
    strictEqual(presence.lookup(a.id), undefined);
  } finally {
    await presence.close();
  }
});

Deno.test("hub: a held name queues at most 100 frames and its byte share per sender; the sender of one that does not fit is told at once", async () => {
  const presence = hub(10_000);
  try {
    const [a, b] = await registered(presence, ["lobby", "a"], ["lobby", "b"]);
    await presence.hold(a, { token: "t", graceMs: 10_000, callPeer: undefined });
    const refusals = () => b.frames.filter((f) => f.includes('"unknown-target"')).length;
    for (let i = 0; i < HELD_MAX_FRAMES; i++) await presence.relay(b, "a", `f${i}`, "message");
    strictEqual(refusals(), 0);
    await presence.relay(b, "a", "one too many", "message");
    strictEqual(refusals(), 1);
    const refused = JSON.parse(b.frames.at(-1)!);
    strictEqual(refused.target, "a");
    strictEqual(/too many messages are waiting/.test(refused.message), true);
    const resumed = await presence.resume(new FakeMember(), "lobby", "a", "t");
    strictEqual(resumed?.frames.length, HELD_MAX_FRAMES);
    strictEqual(resumed?.frames.at(-1)?.frame, `f${HELD_MAX_FRAMES - 1}`);

    // Bytes count too (UTF-8): what would pass the share is refused, a smaller frame still fits.
    const [c, d] = await registered(presence, ["lobby", "c"], ["lobby", "d"]);
    const bytesPerSender = 64 * 1024;
    await presence.hold(c, { token: "u", graceMs: 10_000, callPeer: undefined, bytesPerSender });
    const big = "é".repeat(bytesPerSender / 4 + 1); // just over half the share in UTF-8
    await presence.relay(d, "c", big, "message");
    await presence.relay(d, "c", big, "message");
    await presence.relay(d, "c", "x", "message");
    strictEqual(d.frames.filter((f) => f.includes('"unknown-target"')).length, 1);
    const resumedC = await presence.resume(new FakeMember(), "lobby", "c", "u");
    assertEquals(resumedC?.frames.map((held) => held.frame), [big, "x"]);
  } finally {
    await presence.close();
  }
});
