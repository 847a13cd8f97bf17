import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { parseClientMessage } from "../../signaling/parse.ts";
import { describeNameProblem, withSuffix } from "../../signaling/names.ts";

const limits = { maxNameLength: 64, maxRoomLength: 64 };
const parse = (text: string) => parseClientMessage(text, limits);
const codeOf = (text: string) => {
  const result = parse(text);
  return result.kind === "error" ? result.code : result.kind;
};

Deno.test("parse: text that is not JSON is bad-json", () => {
  for (const text of ["", "{", "hello", "{'type':'x'}", '{"type":"message",}']) {
    strictEqual(codeOf(text), "bad-json", text);
  }
});

Deno.test("parse: JSON that is not an object with a string type is not-object", () => {
  for (
    const text of [
      "[]",
      '[{"type":"message"}]',
      "42",
      '"username"',
      "null",
      "true",
      "{}",
      '{"type":5}',
      '{"type":null}',
      '{"type":["message"]}',
    ]
  ) {
    strictEqual(codeOf(text), "not-object", text);
  }
});

Deno.test("parse: types only the service sends are reserved-type, even with a target", () => {
  for (const type of ["id", "rejectusername", "userlist", "error"]) {
    strictEqual(codeOf(JSON.stringify({ type, target: "bob" })), "reserved-type", type);
  }
});

Deno.test("parse: username becomes a registration; room null or absent means the socket's default", () => {
  assertEquals(parse('{"type":"username","name":"alice","id":1,"date":2}'), {
    kind: "register",
    name: "alice",
    sentName: "alice",
    room: undefined,
    resume: undefined,
  });
  assertEquals(parse('{"type":"username","name":"alice","room":null}'), {
    kind: "register",
    name: "alice",
    sentName: "alice",
    room: undefined,
    resume: undefined,
  });
  assertEquals(parse('{"type":"username","name":"ålice 🎉","room":"Büro"}'), {
    kind: "register",
    name: "ålice 🎉",
    sentName: "ålice 🎉",
    room: "Büro",
    resume: undefined,
  });
  // A resume token; anything but a string is ignored rather than refused.
  assertEquals(parse('{"type":"username","name":"a","resume":"tok"}'), {
    kind: "register",
    name: "a",
    sentName: "a",
    room: undefined,
    resume: "tok",
  });
  assertEquals(parse('{"type":"username","name":"a","resume":7}'), {
    kind: "register",
    name: "a",
    sentName: "a",
    room: undefined,
    resume: undefined,
  });
});

Deno.test("parse: bad user or room names are invalid-name", () => {
  const bad = [
    { name: "" },
    { name: "   " },
    { name: "x".repeat(65) },
    { name: "line\nbreak" },
    { name: "esc\u001b[31m" },
    { name: "nul\u0000" },
    { name: "\ud800" },
    { name: 42 },
    { name: null },
    {},
    { name: "ok", room: "" },
    { name: "ok", room: "r".repeat(65) },
    { name: "ok", room: 7 },
    { name: "ok", room: "tab\there" },
  ];
  for (const fields of bad) {
    strictEqual(
      codeOf(JSON.stringify({ type: "username", ...fields })),
      "invalid-name",
      JSON.stringify(fields),
    );
  }
});

Deno.test("parse: a string target makes any type a relay, and keeps the frame intact", () => {
  const result = parse(
    '{"type":"video-offer","target":"bob","sdp":{"type":"offer","sdp":"v=0"},"x":[1]}',
  );
  assertEquals(result, {
    kind: "relay",
    type: "video-offer",
    target: "bob",
    frame: { type: "video-offer", target: "bob", sdp: { type: "offer", sdp: "v=0" }, x: [1] },
  });
  strictEqual(codeOf('{"type":"future-thing","target":"bob"}'), "relay");
  strictEqual(codeOf('{"type":"message","target":"bob","text":"psst"}'), "relay");
});

Deno.test("parse: untargeted message is chat, untargeted hang-up goes to the call peer", () => {
  strictEqual(codeOf('{"type":"message","text":"hi"}'), "chat");
  strictEqual(codeOf('{"type":"message","text":"hi","target":null}'), "chat");
  strictEqual(codeOf('{"type":"hang-up"}'), "hang-up-peer");
  strictEqual(codeOf('{"type":"hang-up","target":null,"reason":"hangup"}'), "hang-up-peer");
});

Deno.test("parse: any other untargeted frame, or a non-string target, is missing-target", () => {
  for (
    const text of [
      '{"type":"video-offer","sdp":{}}',
      '{"type":"new-ice-candidate"}',
      '{"type":"video-answer","target":null}',
      '{"type":"video-offer","target":7}',
      '{"type":"hang-up","target":{"name":"bob"}}',
    ]
  ) {
    strictEqual(codeOf(text), "missing-target", text);
  }
});

Deno.test("parse: every error carries a readable sentence", () => {
  for (
    const text of ["{", "[]", '{"type":"id"}', '{"type":"username","name":""}', '{"type":"x"}']
  ) {
    const result = parse(text);
    if (result.kind !== "error" || !/^[A-Z"].{10,}\.$/.test(result.message)) {
      throw new Error(`no readable message for ${text}: ${JSON.stringify(result)}`);
    }
  }
});

Deno.test("names: length counts characters (code points), not UTF-16 units", () => {
  strictEqual(describeNameProblem("🎉".repeat(64), 64), null);
  strictEqual(describeNameProblem("🎉".repeat(65), 64), "must be at most 64 characters");
});

Deno.test("names: made-unique names stay within the length limit", () => {
  strictEqual(withSuffix("alice", 2, 64), "alice2");
  strictEqual(withSuffix("abcdef", 12, 6), "abcd12");
  strictEqual(withSuffix("🎉🎉🎉", 2, 3), "🎉🎉2");
});
