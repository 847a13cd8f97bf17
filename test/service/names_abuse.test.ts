/**
 * Issue 11, "names that impersonate, logs that lie": names that look like
 * another user's, or hide what they are, tried against the real service.
 * A name that only differs by how it is spelled (NFD, outer spaces) is that
 * name; one that looks like a name in the room is taken like it; one with
 * invisible or text-direction characters is refused; logs never carry such
 * characters raw.
 */
import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import { Logger } from "../../signaling/log.ts";
import { startTestService, type TestService } from "./_service.ts";
import { startCluster } from "./_cluster.ts";

/** Registers `name` on a new socket; resolves with the service's answer. */
async function register(service: TestService, name: string, room?: string) {
  const client = await service.connect();
  client.send({ type: "username", name, room });
  return await client.next((m) =>
    m.type === "rejectusername" || m.type === "error" ||
    (m.type === "userlist" && (m.users as string[]).includes(name))
  );
}

const REFUSED: [string, string][] = [
  ["right-to-left override (shows as alice)", "\u202Eecila"],
  ["bidi isolates", "al\u2066ice\u2069"],
  ["a right-to-left mark", "ali\u200Fce"],
  ["a left-to-right embedding", "\u202Aalice"],
  ["a zero-width space", "ali\u200Bce"],
  ["only a zero-width space", "\u200B"],
  ["a zero-width non-joiner", "al\u200Cice"],
  ["a joiner outside an emoji sequence", "alice\u200D"],
  ["a word joiner", "ali\u2060ce"],
  ["a byte-order mark inside", "ali\uFEFFce"],
  ["a soft hyphen", "ali\u00ADce"],
  ["tag characters", "alice\u{E0041}\u{E0042}"],
  ["a line separator", "ali\u2028ce"],
  ["a paragraph separator", "ali\u2029ce"],
  ["a Hangul filler (renders as nothing)", "\u3164"],
  ["a private-use character", "alice\uE000"],
];

for (const [what, name] of REFUSED) {
  Deno.test(`names: ${what} is refused with invalid-name`, async () => {
    await using service = await startTestService();
    await service.join("alice");
    const answer = await register(service, name);
    strictEqual(answer.type, "error", JSON.stringify(answer));
    strictEqual(answer.code, "invalid-name");
  });
}

Deno.test("names: emoji sequences with a joiner or a variation selector are still fine", async () => {
  await using service = await startTestService();
  for (const name of ["👩\u200D💻 dev", "❤\uFE0F bob", "🎉"]) {
    const client = await service.join(name);
    strictEqual(client.name, name);
  }
});

const SAME_AS_ALICE: [string, string][] = [
  ["outer ASCII spaces", "  alice "],
  ["outer no-break spaces", "\u00A0alice\u00A0"],
  ["an outer ideographic space", "alice\u3000"],
  ["outer tabs", "\talice"],
];

for (const [what, name] of SAME_AS_ALICE) {
  Deno.test(`names: ${what} are trimmed: the name is taken, the client is told "alice2"`, async () => {
    await using service = await startTestService();
    await service.join("alice");
    assertEquals(await register(service, name), {
      type: "rejectusername",
      id: service.clients.at(-1)!.id,
      name: "alice2",
    });
  });
}

Deno.test("names: an NFD spelling is the NFC name (one amélie), Å written three ways is one Å", async () => {
  await using service = await startTestService();
  const nfc = await service.join("am\u00E9lie");
  strictEqual(nfc.name, "am\u00E9lie");
  strictEqual((await register(service, "ame\u0301lie")).name, "am\u00E9lie2");
  // Å: precomposed, A + combining ring, and the Ångström sign.
  const first = await service.join("\u00C5sa");
  strictEqual(first.name, "\u00C5sa");
  strictEqual((await register(service, "A\u030Asa")).name, "\u00C5sa2");
  strictEqual((await register(service, "\u212Bsa")).name, "\u00C5sa3");
});

Deno.test("names: a name that looks like one in the room (Cyrillic а, fullwidth ａ, I for l, rn for m) is taken like it", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  strictEqual((await register(service, "\u0430lice")).name, "\u0430lice2");
  strictEqual((await register(service, "\uFF41lice")).name, "\uFF41lice3");
  // Capital I for small l, "rn" for "m".
  strictEqual((await service.join("paypal")).name, "paypal");
  strictEqual((await register(service, "paypaI")).name, "paypaI2");
  strictEqual((await service.join("mary")).name, "mary");
  strictEqual((await register(service, "rnary")).name, "rnary2");
  // In another room the same names are free.
  strictEqual((await register(service, "\u0430lice", "elsewhere")).type, "userlist");
  await alice.userlist([
    "alice",
    "\u0430lice2",
    "\uFF41lice3",
    "paypal",
    "paypaI2",
    "mary",
    "rnary2",
  ]);
});

Deno.test("redis: a lookalike of a name on another instance is taken like it, and free again once that one left", async () => {
  await using cluster = await startCluster(2);
  const [x, y] = cluster.instances;
  const alice = await x.join("alice");
  strictEqual((await register(y, "\u0430lice")).name, "\u0430lice2");
  await alice.close();
  const watcher = await y.join("watcher");
  await watcher.userlist(["\u0430lice2", "watcher"]);
  const answer = await register(x, "\uFF41lice");
  strictEqual(answer.type, "userlist", JSON.stringify(answer));
});

Deno.test("names: ?room= and room names are normalized and checked like user names", async () => {
  await using service = await startTestService();
  const bidi = await service.connect({ query: { room: "lob\u202Eby" } });
  bidi.send({ type: "username", name: "alice" });
  strictEqual((await bidi.nextError("invalid-name")).code, "invalid-name");
  const spaced = await service.join("bob", { room: " hall " });
  const other = await service.join("carol", { room: "hall" });
  await other.userlist(["bob", "carol"]);
  await spaced.userlist(["bob", "carol"]);
});

Deno.test("names: made-unique names take the lowest free suffix (guest2 again once it is free)", async () => {
  await using service = await startTestService();
  const guest = await service.join("guest");
  const guest2 = await service.join("guest");
  strictEqual(guest2.name, "guest2");
  strictEqual((await service.join("guest")).name, "guest3");
  await guest2.close();
  await guest.userlist(["guest", "guest3"]);
  strictEqual((await service.join("guest")).name, "guest2");
});

Deno.test("redis: made-unique names take the lowest free suffix across instances", async () => {
  await using cluster = await startCluster(2);
  const [x, y] = cluster.instances;
  const guest = await x.join("guest");
  const guest2 = await y.join("guest");
  strictEqual(guest2.name, "guest2");
  strictEqual((await x.join("guest")).name, "guest3");
  await guest2.close();
  await guest.userlist(["guest", "guest3"]);
  strictEqual((await x.join("guest")).name, "guest2");
});

Deno.test("logs: no line carries a raw line separator or text-direction character, whatever was tried", async () => {
  const lines: string[] = [];
  const logger = new Logger("debug", (line) => lines.push(line));
  {
    await using service = await startTestService({}, { logger });
    await service.join("alice");
    for (const name of ["\u202Eecila", "a\u2028b", "c\u2029d"]) await register(service, name);
    const room = await service.connect({ query: { room: "r\u202Eoom\u2028" } });
    room.send({ type: "username", name: "dave" });
    await room.nextError("invalid-name");
  }
  ok(lines.length > 0);
  assertEquals(lines.filter((line) => /[\u2028\u2029\u202A-\u202E\u2066-\u2069]/.test(line)), []);
  // The logger itself escapes them, for whatever field may carry one.
  const escaped: string[] = [];
  new Logger("info", (line) => escaped.push(line)).info("probe", { value: "x\u2028\u202Ey" });
  strictEqual(/[\u2028\u202E]/.test(escaped[0]), false);
  strictEqual(JSON.parse(escaped[0]).value, "x\u2028\u202Ey");
});
