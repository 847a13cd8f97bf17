/**
 * The Lua scripts that keep the shared presence consistent. Each runs
 * atomically inside Redis, so two instances can never give one name to two
 * sockets, and a userlist never sees half a rename.
 *
 * Some scripts build key names from the values they read (a member's
 * instance, a purged member's room), which standalone Redis (also with
 * replicas or Sentinel) allows; Redis Cluster does not, and is not supported.
 */
import { createHash } from "node:crypto";
import type { RedisCommands } from "./redis_client.ts";

/** A script run with EVALSHA, falling back to EVAL when Redis does not know it yet. */
export class Script {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: RedisCommands, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await redis.sendCommand(["EVALSHA", this.sha, ...tail]);
    } catch (error) {
      // A fresh or restarted Redis has an empty script cache; EVAL loads it.
      if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
      return await redis.sendCommand(["EVAL", this.source, ...tail]);
    }
  }
}

/** Splits a members-hash entry "<name>\n<room>" (shared by purge and resync). */
const SPLIT_ENTRY = `
local function split_entry(entry)
  local cut = string.find(entry, '\\n', 1, true)
  return string.sub(entry, 1, cut - 1), string.sub(entry, cut + 1)
end
`;

/**
 * Claims the first free name among the candidates for a socket, releasing its
 * previous registration in the same step.
 *   KEYS: new room hash, instance members hash, sequence, old room hash (or the new one),
 *         new room skeletons hash, old room skeletons hash (or the new one)
 *   ARGV: address, old value or '', old name or '', new room, new room channel,
 *         old room channel, room-size cap (0 = none), old name's skeleton or '',
 *         then (candidate name, its skeleton) pairs…
 *   → {name, value}; 'full' when the socket would join a room that has its cap
 *     of members; nil when every candidate is taken (nothing changed either way).
 * A candidate held by the socket's own old value counts as free (alice2 asking
 * for alice keeps alice2). A candidate is taken when another name in the room
 * has its skeleton; a skeleton entry whose name has left counts for nothing.
 */
export const CLAIM = new Script(`
local old_value, old_name = ARGV[2], ARGV[3]
local cap = tonumber(ARGV[7])
if cap > 0 and (old_value == '' or KEYS[4] ~= KEYS[1]) and redis.call('HLEN', KEYS[1]) >= cap then
  return 'full'
end
for i = 9, #ARGV, 2 do
  local name, skeleton = ARGV[i], ARGV[i + 1]
  local holder = redis.call('HGET', KEYS[1], name)
  if old_value ~= '' and holder == old_value then
    return {name, old_value}
  end
  local free = not holder
  if free then
    local lookalike = redis.call('HGET', KEYS[5], skeleton)
    if lookalike and lookalike ~= name then
      local other = redis.call('HGET', KEYS[1], lookalike)
      if other and other ~= old_value then free = false end
    end
  end
  if free then
    if old_value ~= '' then
      if redis.call('HGET', KEYS[4], old_name) == old_value then
        redis.call('HDEL', KEYS[4], old_name)
        if redis.call('HGET', KEYS[6], ARGV[8]) == old_name then redis.call('HDEL', KEYS[6], ARGV[8]) end
        if ARGV[6] ~= ARGV[5] then redis.call('PUBLISH', ARGV[6], 'm') end
      end
      redis.call('HDEL', KEYS[2], old_value)
    end
    local value = ARGV[1] .. ':' .. redis.call('INCR', KEYS[3])
    redis.call('HSET', KEYS[1], name, value)
    redis.call('HSET', KEYS[5], skeleton, name)
    redis.call('HSET', KEYS[2], value, name .. '\\n' .. ARGV[4])
    redis.call('PUBLISH', ARGV[5], 'm')
    return {name, value}
  end
end
return false
`);

/**
 * Frees a socket's name, if the socket still holds it.
 *   KEYS: room hash, instance members hash, room skeletons hash
 *   ARGV: name, value, room channel, the name's skeleton
 *   → 1 if it freed the name, 0 if someone else holds it now (e.g. a resume
 *     on another instance took it over).
 */
export const RELEASE = new Script(`
redis.call('HDEL', KEYS[2], ARGV[2])
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  if redis.call('HGET', KEYS[3], ARGV[4]) == ARGV[1] then redis.call('HDEL', KEYS[3], ARGV[4]) end
  if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('DEL', KEYS[3]) end
  redis.call('PUBLISH', ARGV[3], 'm')
  return 1
end
return 0
`);

/**
 * A socket resumes, on this instance, a name held on another one (or by a
 * hold this instance no longer knows): checks the hold, moves the name to
 * the new socket (keeping its join order), consumes the hold, and asks the
 * holding instance to hand over what it queued.
 *   KEYS: hold key, room hash, this instance's members hash
 *   ARGV: key prefix, new socket address, room, wanted name
 *   → {name, new value}, or nil (nothing changed) when the hold is gone, is
 *     for another room or name, or its instance died.
 */
export const TAKEOVER = new Script(`
local held = redis.call('GET', KEYS[1])
if not held then return false end
local room, name, wanted, value = string.match(held, '^([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)$')
if not value or room ~= ARGV[3] or (ARGV[4] ~= name and ARGV[4] ~= wanted) then return false end
if redis.call('HGET', KEYS[2], name) ~= value then return false end
local prefix = ARGV[1]
local instance = string.match(value, '^([^:]+):')
if redis.call('EXISTS', prefix .. 'instance:' .. instance .. ':alive') == 0 then return false end
redis.call('DEL', KEYS[1])
local new_value = ARGV[2] .. ':' .. string.match(value, ':(%d+)$')
redis.call('HSET', KEYS[2], name, new_value)
redis.call('HDEL', prefix .. 'instance:' .. instance .. ':members', value)
redis.call('HSET', KEYS[3], new_value, name .. '\\n' .. room)
redis.call('PUBLISH', prefix .. 'instance:' .. instance, '!handover\\n' .. value .. '\\n' .. ARGV[2])
return {name, new_value}
`);

/**
 * Publishes a relayed frame to the instance holding the target name, if that
 * instance is alive; one round trip, and an instance that died counts as
 * nobody (unknown-target) even before the sweep removes its members.
 *   KEYS: room hash
 *   ARGV: target name, key prefix, body ("<header>\\n<frame>")
 *   → the target's member value, or nil.
 */
export const RELAY = new Script(`
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return false end
local instance = string.match(value, '^([^:]+):')
if redis.call('EXISTS', ARGV[2] .. 'instance:' .. instance .. ':alive') == 0 then
  return false
end
redis.call('PUBLISH', ARGV[2] .. 'instance:' .. instance, value .. '\\n' .. ARGV[3])
return value
`);

/**
 * Refreshes an instance's liveness key.
 *   KEYS: alive key, instances set
 *   ARGV: instance id, TTL in ms
 *   → 1 if the key still existed, 0 if it had lapsed (others may have purged us).
 */
export const HEARTBEAT = new Script(`
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return existed
`);

/**
 * Removes every member of dead instances (liveness key gone), or of one given
 * instance (graceful shutdown), and tells each affected room.
 *   KEYS: instances set
 *   ARGV: key prefix, instance id to purge or '' to sweep the dead ones
 *   → how many instances were purged.
 */
export const PURGE = new Script(`${SPLIT_ENTRY}
local prefix = ARGV[1]
local touched = {}
local purged = 0
local function purge(id)
  local members_key = prefix .. 'instance:' .. id .. ':members'
  local entries = redis.call('HGETALL', members_key)
  for i = 1, #entries, 2 do
    local value = entries[i]
    local name, room = split_entry(entries[i + 1])
    local room_key = prefix .. 'room:' .. room
    if redis.call('HGET', room_key, name) == value then
      redis.call('HDEL', room_key, name)
      touched[room] = true
    end
  end
  redis.call('DEL', members_key, prefix .. 'instance:' .. id .. ':alive')
  redis.call('SREM', KEYS[1], id)
  purged = purged + 1
end
if ARGV[2] ~= '' then
  purge(ARGV[2])
else
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if redis.call('EXISTS', prefix .. 'instance:' .. id .. ':alive') == 0 then purge(id) end
  end
end
for room in pairs(touched) do
  if redis.call('EXISTS', prefix .. 'room:' .. room) == 0 then redis.call('DEL', prefix .. 'skeletons:' .. room) end
  redis.call('PUBLISH', prefix .. 'room:' .. room, 'm')
end
return purged
`);

/**
 * Makes Redis agree with an instance's own view of its members after Redis
 * was unreachable, restarted empty, or let the instance's liveness lapse:
 * re-adds what the instance holds, drops what it no longer holds (a leave
 * that could not be written), refreshes its liveness and tells every room.
 *   KEYS: instance members hash, alive key, instances set
 *   ARGV: key prefix, instance id, TTL in ms, then (value, name, room, skeleton) quadruples
 *   → the values whose names someone else took meanwhile.
 */
export const RESYNC = new Script(`${SPLIT_ENTRY}
local prefix = ARGV[1]
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[2])
local held = {}
for i = 4, #ARGV, 4 do held[ARGV[i]] = true end
local touched = {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local value = entries[i]
  if not held[value] then
    local name, room = split_entry(entries[i + 1])
    local room_key = prefix .. 'room:' .. room
    if redis.call('HGET', room_key, name) == value then
      redis.call('HDEL', room_key, name)
      touched[room] = true
    end
    redis.call('HDEL', KEYS[1], value)
  end
end
local lost = {}
for i = 4, #ARGV, 4 do
  local value, name, room, skeleton = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local room_key = prefix .. 'room:' .. room
  local holder = redis.call('HGET', room_key, name)
  if not holder or holder == value then
    redis.call('HSET', room_key, name, value)
    redis.call('HSET', prefix .. 'skeletons:' .. room, skeleton, name)
    redis.call('HSET', KEYS[1], value, name .. '\\n' .. room)
  else
    table.insert(lost, value)
  end
  touched[room] = true
end
for room in pairs(touched) do
  if redis.call('EXISTS', prefix .. 'room:' .. room) == 0 then redis.call('DEL', prefix .. 'skeletons:' .. room) end
  redis.call('PUBLISH', prefix .. 'room:' .. room, 'm')
end
return lost
`);
