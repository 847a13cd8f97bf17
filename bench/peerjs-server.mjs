// peerjs-server (npm `peer`) with its default options, on loopback, for bench/main.ts.
// Prints one JSON line {"msg":"listening","port":N,...} once it accepts connections.
// Usage: node bench/peerjs-server.mjs [port]   (default 0 = any free port)
//
// peer@1.0.2 imports `WebSocketServer` from "ws", a name only ws 8 exports; this
// checkout's lockfile resolves peer's "ws": "^7.2.3 || ^8.0.0" to ws 7, so its ESM
// entry fails to link. We load peer's CommonJS build and hand it the ws server class
// through peer's own `createWebSocketServer` option (the same class, under ws 7's name).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const peerEntry = require.resolve("peer");
const { PeerServer } = require(peerEntry);
const fromPeer = createRequire(peerEntry);
const ws = fromPeer("ws");
const WebSocketServer = ws.WebSocketServer ?? ws.Server;
const versionOf = (path) => JSON.parse(readFileSync(path, "utf8")).version;

const port = Number(process.argv[2] ?? 0);

const server = PeerServer(
  {
    port,
    host: "127.0.0.1",
    path: "/",
    createWebSocketServer: (options) => new WebSocketServer(options),
  },
  (http) => {
    console.log(JSON.stringify({
      msg: "listening",
      port: http.address().port,
      pid: process.pid,
      node: process.version,
      peer: versionOf(join(dirname(peerEntry), "..", "package.json")),
      ws: versionOf(fromPeer.resolve("ws/package.json")),
    }));
  },
);
server.on(
  "error",
  (error) => console.error(JSON.stringify({ msg: "error", error: String(error) })),
);

const stop = () => process.exit(0);
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
