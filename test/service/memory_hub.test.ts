import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import type { Member, PeerRef } from "../../signaling/hub.ts";
import { InMemoryHub } from "../../signaling/memory_hub.ts";

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

Deno.test("hub: names are unique per room; a taken name gets the next free number", () => {
  const presence = hub();
  try {
    const names = Array.from(
      { length: 4 },
      () => presence.register(new FakeMember(), "lobby", "guest"),
    );
    assertEquals(names, ["guest", "guest2", "guest3", "guest4"]);
    strictEqual(presence.register(new FakeMember(), "other", "guest"), "guest");
    assertEquals(presence.stats(), { rooms: 2, members: 5 });
  } finally {
    presence.close();
  }
});

Deno.test("hub: re-registering renames or moves the member and frees its old name", () => {
  const presence = hub();
  try {
    const alice = new FakeMember();
    presence.register(alice, "lobby", "alice");
    strictEqual(presence.register(alice, "lobby", "carol"), "carol");
    strictEqual(presence.find("lobby", "alice"), undefined);
    strictEqual(presence.find("lobby", "carol"), alice);
    strictEqual(presence.register(new FakeMember(), "lobby", "alice"), "alice");
    strictEqual(presence.register(alice, "hall", "carol"), "carol");
    strictEqual(presence.find("lobby", "carol"), undefined);
    assertEquals(presence.lookup(alice.id)?.room, "hall");
    presence.unregister(alice);
    strictEqual(presence.lookup(alice.id), undefined);
    assertEquals(presence.stats(), { rooms: 1, members: 1 });
  } finally {
    presence.close();
  }
});

Deno.test("hub: a join storm yields one userlist per member, not one per join", async () => {
  const presence = hub(0);
  try {
    const members = Array.from({ length: 200 }, () => new FakeMember());
    const last = members.at(-1)!.nextUserlist();
    members.forEach((member, i) => presence.register(member, "lobby", `user${i}`));
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
    presence.register(a, "lobby", "zed");
    presence.register(b, "lobby", "amy");
    await listed;
    assertEquals(b.userlists(), [["zed", "amy"]]);
  } finally {
    presence.close();
  }
});

Deno.test("hub: a room that empties is forgotten along with its pending userlist", () => {
  const presence = hub(10_000);
  const member = new FakeMember();
  presence.register(member, "lobby", "solo");
  presence.unregister(member);
  assertEquals(presence.stats(), { rooms: 0, members: 0 });
  // No close(): the 10 s timer must already be gone, or the op sanitizer fails this test.
});

Deno.test("hub: broadcast reaches every member of the room and nobody else", () => {
  const presence = hub();
  try {
    const [a, b, c] = [new FakeMember(), new FakeMember(), new FakeMember()];
    presence.register(a, "lobby", "a");
    presence.register(b, "lobby", "b");
    presence.register(c, "hall", "c");
    presence.broadcast("lobby", "hello");
    assertEquals([a.frames, b.frames, c.frames], [["hello"], ["hello"], []]);
  } finally {
    presence.close();
  }
});
