/**
 * A MEASURING STICK, NOT A SERVER: the least a relay speaking MDN's webrtc-from-chat
 * protocol can do on Deno.serve (issue 16). No limits, no validation, no logs, no
 * resume: a Map from name to socket per room, one JSON.parse and one JSON.stringify per
 * relayed message (the sender's name stamped), user lists coalesced on a 15 ms timer.
 * The bench runs it beside our service so every figure has the runtime's floor next to
 * it. Never deploy this: anyone can crash or flood it.
 *
 * Usage: deno run --allow-net bench/floor_relay.ts [port]
 * Prints one JSON line {"msg":"listening","port":N} once listening (as signaling/main.ts).
 */

type Room = { members: Map<string, WebSocket>; listTimer?: ReturnType<typeof setTimeout> };

const rooms = new Map<string, Room>();
let nextId = 1;

function roomOf(name: string): Room {
  let room = rooms.get(name);
  if (!room) rooms.set(name, room = { members: new Map() });
  return room;
}

/** Coalesces user-list changes as our service does (15 ms), one full list per member. */
function scheduleList(room: Room): void {
  room.listTimer ??= setTimeout(() => {
    room.listTimer = undefined;
    const list = JSON.stringify({ type: "userlist", users: [...room.members.keys()] });
    for (const socket of room.members.values()) socket.send(list);
  }, 15);
}

function accept(socket: WebSocket, roomName: string): void {
  const room = roomOf(roomName);
  let name: string | undefined;
  socket.onopen = () => socket.send(JSON.stringify({ type: "id", id: nextId++ }));
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "username") {
      if (name === undefined && !room.members.has(message.name)) {
        name = message.name as string;
        room.members.set(name, socket);
        scheduleList(room);
      }
    } else if (name !== undefined && typeof message.target === "string") {
      message.name = name;
      room.members.get(message.target)?.send(JSON.stringify(message));
    }
  };
  socket.onclose = () => {
    if (name !== undefined && room.members.get(name) === socket) {
      room.members.delete(name);
      scheduleList(room);
    }
  };
}

const port = Number(Deno.args[0] ?? 0);
Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(JSON.stringify({ msg: "listening", port })),
}, (request) => {
  if (request.headers.get("upgrade") !== "websocket") return new Response("floor relay\n");
  const { socket, response } = Deno.upgradeWebSocket(request);
  accept(socket, new URL(request.url).searchParams.get("room") ?? "lobby");
  return response;
});
