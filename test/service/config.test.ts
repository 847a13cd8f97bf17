import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ConfigError, defaultConfig, parseConfig, usage } from "../../signaling/config.ts";

function configError(pattern: RegExp) {
  return (error: unknown) => error instanceof ConfigError && pattern.test(error.message);
}

Deno.test("config: with no flags and no environment the service listens on 0.0.0.0:8000 with the documented limits", () => {
  const config = parseConfig([], {});
  assertEquals(config, defaultConfig());
  assertEquals(config.port, 8000);
  assertEquals(config.hostname, "0.0.0.0");
  assertEquals(config.defaultRoom, "lobby");
  assertEquals(config.limits, {
    maxFrameBytes: 65536,
    maxNameLength: 64,
    maxRoomLength: 64,
    ratePerSecond: 50,
    rateBurst: 200,
    rateBytesPerSecond: 65536,
    rateBytesBurst: 262144,
    renamesPerMinute: 10,
    maxRoomMembers: 100,
    heldBytesPerSender: 131072,
    maxBufferedBytes: 1048576,
  });
  assertEquals(config.frameAncestors, "'none'");
  assertEquals(config.allowedOrigins, null);
  assertEquals(config.tokenSecret, null);
  assertEquals(config.iceServers, []);
  assertEquals(config.turn, null);
  assertEquals(config.redisUrl, null);
  assertEquals(config.instanceTtlSeconds, 10);
  assertEquals(config.resumeGraceSeconds, 20);
});

Deno.test("config: every option can be set by flag, as --name value or --name=value", () => {
  const config = parseConfig([
    "--port",
    "9000",
    "--host=127.0.0.1",
    "--metrics-port",
    "9464",
    "--metrics-host=10.0.0.2",
    "--room",
    "hall",
    "--max-frame-bytes",
    "1024",
    "--max-name-length=10",
    "--max-room-length",
    "12",
    "--rate-per-second",
    "5",
    "--rate-burst",
    "7",
    "--rate-bytes",
    "3000",
    "--rate-bytes-burst=2048",
    "--renames-per-minute",
    "3",
    "--max-room-members",
    "8",
    "--held-sender-bytes",
    "9000",
    "--max-buffered-bytes=4096",
    "--idle-timeout",
    "0",
    "--userlist-delay-ms",
    "20",
    "--resume-grace=45",
    "--allowed-origins",
    "https://a.example, http://localhost:8000",
    "--token-secret",
    "0123456789abcdef",
    "--ice-servers",
    "stun:stun.example.org:3478",
    "--turn-secret",
    "turn-shared-secret",
    "--turn-urls",
    "turn:turn.example.org:3478?transport=udp, turns:turn.example.org:5349",
    "--turn-ttl=600",
    "--redis-url",
    "redis://127.0.0.1:6380/2",
    "--instance-ttl",
    "4",
    "--dist-dir",
    "/tmp/dist",
    "--demo-dir",
    "/tmp/demo",
    "--frame-ancestors",
    "'self'  https://cms.example.com",
    "--log-level",
    "silent",
  ], {});
  assertEquals(config, {
    port: 9000,
    hostname: "127.0.0.1",
    metrics: { port: 9464, hostname: "10.0.0.2" },
    defaultRoom: "hall",
    limits: {
      maxFrameBytes: 1024,
      maxNameLength: 10,
      maxRoomLength: 12,
      ratePerSecond: 5,
      rateBurst: 7,
      rateBytesPerSecond: 3000,
      rateBytesBurst: 2048,
      renamesPerMinute: 3,
      maxRoomMembers: 8,
      heldBytesPerSender: 9000,
      maxBufferedBytes: 4096,
    },
    idleTimeoutSeconds: 0,
    userlistDelayMs: 20,
    resumeGraceSeconds: 45,
    allowedOrigins: ["https://a.example", "http://localhost:8000"],
    tokenSecret: "0123456789abcdef",
    iceServers: [{ urls: "stun:stun.example.org:3478" }],
    turn: {
      secret: "turn-shared-secret",
      urls: ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
      ttlSeconds: 600,
    },
    redisUrl: "redis://127.0.0.1:6380/2",
    instanceTtlSeconds: 4,
    distDir: "/tmp/dist",
    demoDir: "/tmp/demo",
    frameAncestors: "'self' https://cms.example.com",
    logLevel: "silent",
  });
});

Deno.test("config: environment variables apply, flags win over them, empty variables count as unset", () => {
  const env = {
    P2P_PORT: "7000",
    P2P_HOST: "::1",
    P2P_ROOM: "",
    P2P_RATE_BURST: "300",
    P2P_MAX_BUFFERED_BYTES: "2000000",
    P2P_ALLOWED_ORIGINS: "https://b.example",
    P2P_TOKEN_SECRET: "a-long-enough-secret",
    P2P_LOG_LEVEL: "warn",
  };
  const config = parseConfig(["--port", "7001"], env);
  assertEquals(config.port, 7001);
  assertEquals(config.hostname, "::1");
  assertEquals(config.defaultRoom, "lobby");
  assertEquals(config.limits.rateBurst, 300);
  assertEquals(config.limits.maxBufferedBytes, 2000000);
  assertEquals(parseConfig([], { P2P_MAX_BUFFERED_BYTES: "0" }).limits.maxBufferedBytes, 0);
  assertEquals(config.allowedOrigins, ["https://b.example"]);
  assertEquals(config.tokenSecret, "a-long-enough-secret");
  assertEquals(config.logLevel, "warn");
});

Deno.test("config: TURN and Redis settings come from the environment too; REDIS_URL works, P2P_REDIS_URL wins", () => {
  const env = {
    P2P_TURN_SECRET: "s3cret",
    P2P_TURN_URLS: "turn:127.0.0.1:3478",
    REDIS_URL: "redis://redis.internal:6379",
    P2P_INSTANCE_TTL: "20",
  };
  const config = parseConfig([], env);
  assertEquals(config.turn, { secret: "s3cret", urls: ["turn:127.0.0.1:3478"], ttlSeconds: 3600 });
  assertEquals(config.redisUrl, "redis://redis.internal:6379");
  assertEquals(config.instanceTtlSeconds, 20);
  assertEquals(parseConfig([], { P2P_RESUME_GRACE: "0" }).resumeGraceSeconds, 0);
  const both = { ...env, P2P_REDIS_URL: "rediss://user:pw@redis.example:6380" };
  assertEquals(parseConfig([], both).redisUrl, "rediss://user:pw@redis.example:6380");
  assertEquals(parseConfig(["--turn-ttl", "60"], env).turn?.ttlSeconds, 60);
});

Deno.test("config: a TURN secret without URLs, or URLs without a secret, is refused", () => {
  throws(
    () => parseConfig(["--turn-secret", "s3cret"], {}),
    configError(
      /--turn-secret \(P2P_TURN_SECRET\) is set but --turn-urls \(P2P_TURN_URLS\) is not/,
    ),
  );
  throws(
    () => parseConfig([], { P2P_TURN_URLS: "turn:t.example:3478" }),
    configError(
      /--turn-urls \(P2P_TURN_URLS\) is set but --turn-secret \(P2P_TURN_SECRET\) is not/,
    ),
  );
  throws(
    () => parseConfig(["--turn-ttl", "60"], { P2P_TURN_URLS: "turn:t.example:3478" }),
    configError(/--turn-secret/),
  );
  // A TTL alone changes nothing and is not an error.
  assertEquals(parseConfig(["--turn-ttl", "60"], {}).turn, null);
});

Deno.test("config: PORT is honoured (as platforms set it) but P2P_PORT wins", () => {
  assertEquals(parseConfig([], { PORT: "3000" }).port, 3000);
  assertEquals(parseConfig([], { PORT: "3000", P2P_PORT: "4000" }).port, 4000);
});

Deno.test("config: ICE servers accept a JSON list of RTCIceServer objects", () => {
  const json = '[{"urls":["turn:t.example:3478"],"username":"u","credential":"c"}]';
  assertEquals(parseConfig(["--ice-servers", json], {}).iceServers, [
    { urls: ["turn:t.example:3478"], username: "u", credential: "c" },
  ]);
});

Deno.test("config: an allowed-origins list of only * means every origin", () => {
  assertEquals(parseConfig(["--allowed-origins", "*"], {}).allowedOrigins, null);
});

Deno.test("config: bad values are refused with a message naming the flag or variable", () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--port", "abc"], {}, /--port must be a whole number 0-65535, got "abc"/],
    [["--port", "70000"], {}, /--port must be a whole number 0-65535/],
    [["--port", "-1"], {}, /--port/],
    [[], { P2P_PORT: "http" }, /P2P_PORT must be a whole number/],
    [["--max-frame-bytes", "0"], {}, /--max-frame-bytes must be a whole number at least 1/],
    [["--max-name-length", "-5"], {}, /--max-name-length/],
    [["--rate-per-second", "-1"], {}, /--rate-per-second/],
    [["--rate-burst", "1.5"], {}, /--rate-burst/],
    [["--rate-bytes-burst", "1000"], {}, /--rate-bytes-burst .* at least --max-frame-bytes/],
    [["--max-room-members", "-1"], {}, /--max-room-members/],
    [[], { P2P_RENAMES_PER_MINUTE: "x" }, /P2P_RENAMES_PER_MINUTE/],
    [["--held-sender-bytes", "0"], {}, /--held-sender-bytes/],
    [["--frame-ancestors", "'self'; script-src *"], {}, /--frame-ancestors must be 'none'/],
    [["--frame-ancestors", "'none' https://a.example"], {}, /--frame-ancestors/],
    [["--idle-timeout", "soon"], {}, /--idle-timeout/],
    [["--userlist-delay-ms", "-20"], {}, /--userlist-delay-ms/],
    [["--resume-grace", "3601"], {}, /--resume-grace must be a whole number 0-3600/],
    [["--host", " "], {}, /--host must not be empty/],
    [["--room", ""], {}, /default room .* must not be empty/],
    [["--room", "x".repeat(65)], {}, /default room .* at most 64 characters/],
    [["--allowed-origins", "example.com"], {}, /"example.com" is not an origin/],
    [["--allowed-origins", "https://a.example/path"], {}, /is not an origin/],
    [["--token-secret", "short"], {}, /--token-secret must be at least 16 characters/],
    [["--ice-servers", "[{}]"], {}, /--ice-servers\[0\]\.urls/],
    [["--ice-servers", "[nope"], {}, /--ice-servers is not valid JSON/],
    [["--ice-servers", "http://x"], {}, /not a stun:, stuns:, turn: or turns: URL/],
    [["--log-level", "loud"], {}, /--log-level must be one of debug, info, warn, error, silent/],
    [["--turn-secret", " "], {}, /--turn-secret must not be empty/],
    [
      ["--turn-urls", "stun:s.example:3478"],
      {},
      /"stun:s.example:3478" is not a turn: or turns: URL/,
    ],
    [["--turn-urls", " , "], {}, /--turn-urls must list at least one turn: URL/],
    [["--turn-ttl", "0"], {}, /--turn-ttl must be a whole number at least 1/],
    [[], { P2P_TURN_TTL: "1h" }, /P2P_TURN_TTL must be a whole number/],
    [["--redis-url", "localhost:6379"], {}, /--redis-url: "localhost:6379" is not a Redis URL/],
    [[], { REDIS_URL: "http://r.example" }, /REDIS_URL: "http:\/\/r.example" is not a Redis URL/],
    [["--instance-ttl", "0"], {}, /--instance-ttl must be a whole number 1-3600/],
    [["--max-buffered-bytes", "-1"], {}, /--max-buffered-bytes must be a whole number at least 0/],
    [
      ["--max-buffered-bytes", "100000"],
      {},
      /--max-buffered-bytes \(P2P_MAX_BUFFERED_BYTES\) must be 0 or at least twice --max-frame-bytes \(131072\), got 100000/,
    ],
    [
      ["--max-frame-bytes", "1024"],
      { P2P_MAX_BUFFERED_BYTES: "2047" },
      /must be 0 or at least twice --max-frame-bytes \(2048\)/,
    ],
  ];
  for (const [args, env, pattern] of cases) {
    throws(
      () => parseConfig(args, env),
      configError(pattern),
      `${args.join(" ")} ${JSON.stringify(env)}`,
    );
  }
});

Deno.test("config: unknown flags, stray arguments and missing values are refused", () => {
  throws(() => parseConfig(["--prot", "80"], {}), configError(/unknown flag --prot/));
  throws(() => parseConfig(["8000"], {}), configError(/unexpected argument "8000"/));
  throws(() => parseConfig(["--port"], {}), configError(/--port needs a value/));
});

Deno.test("config: usage lists every flag with its environment variable", () => {
  const text = usage();
  const flags = [
    "--port",
    "--host",
    "--room",
    "--max-buffered-bytes",
    "--token-secret",
    "--allowed-origins",
    "--turn-secret",
    "--turn-urls",
    "--turn-ttl",
    "--redis-url",
    "--instance-ttl",
    "--rate-bytes",
    "--rate-bytes-burst",
    "--renames-per-minute",
    "--max-room-members",
    "--held-sender-bytes",
    "--frame-ancestors",
  ];
  for (const flag of flags) {
    if (!text.includes(flag)) throw new Error(`usage lacks ${flag}`);
  }
  for (
    const name of [
      "P2P_TOKEN_SECRET",
      "P2P_REDIS_URL",
      "REDIS_URL",
      "P2P_TURN_SECRET",
      "P2P_MAX_BUFFERED_BYTES",
    ]
  ) {
    if (!text.includes(name)) throw new Error(`usage lacks ${name}`);
  }
});
