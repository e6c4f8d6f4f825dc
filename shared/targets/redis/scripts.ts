/**
 * The version guard, run inside Redis as Lua so that for every key the compare and the write are atomic: no other
 * client can write between them. One script call applies a slice of a batch (several keys), which keeps the
 * per-call cost of Redis and of the client off the per-event path; a batch's slices go out in one pipeline.
 *
 * A version record is one string, `<lsn> <ts> <deleted 0|1> <event id>`, kept in `<key>:_sync` (json format) or in
 * the hash field `_sync` (hash format); one string is the cheapest thing to read, compare and write.
 *
 * ARGV[1] is the live TTL in seconds (0 = none) and ARGV[2] the tombstone TTL; then, per event:
 *   json: version record, JSON value ('' for deletes)                       KEYS: value key, version key
 *   hash: version record, n, then n strings (field, value, field, value...)  KEYS: the hash
 * The reply has one entry per event: 1 written, 0 stale (the held version is the same or newer), or the error text
 * of that key (WRONGTYPE when someone else's data is there). Every check runs before a key's first write, because
 * Redis does not roll back a script that fails half-way.
 */

const COMMON = `
local function newer(held, incoming)
  if not held then return true end
  local heldLsn, heldTs = string.match(held, '^(%d+) (%d+) ')
  local lsn, ts = string.match(incoming, '^(%d+) (%d+) ')
  if not heldLsn then return nil end
  lsn, ts, heldLsn, heldTs = tonumber(lsn), tonumber(ts), tonumber(heldLsn), tonumber(heldTs)
  return lsn > heldLsn or (lsn == heldLsn and ts > heldTs)
end
local function isDelete(record) return string.match(record, '^%d+ %d+ 1 ') ~= nil end
local liveTtl, tombstoneTtl = tonumber(ARGV[1]), ARGV[2]
local results = {}`;

const UNREADABLE = `'ERR the version record of ' .. KEYS[i] .. ' is not one this target wrote'`;

export const APPLY_JSON_LUA = `${COMMON}
for i = 1, #KEYS / 2 do
  local valueKey, versionKey, at = KEYS[2 * i - 1], KEYS[2 * i], 1 + 2 * i
  local record = ARGV[at]
  local kind = redis.call('TYPE', valueKey)['ok']
  local held = redis.pcall('GET', versionKey)
  local isNewer = type(held) ~= 'table' and newer(held, record)
  if kind ~= 'none' and kind ~= 'string' then
    results[i] = 'WRONGTYPE ' .. valueKey .. ' holds a ' .. kind .. ', which this target did not write'
  elseif type(held) == 'table' then
    results[i] = held.err
  elseif isNewer == nil then
    results[i] = ${UNREADABLE}
  elseif not isNewer then
    results[i] = 0
  else
    if isDelete(record) then
      redis.call('DEL', valueKey)
      redis.call('SET', versionKey, record, 'EX', tombstoneTtl)
    elseif liveTtl > 0 then
      redis.call('SET', valueKey, ARGV[at + 1], 'EX', liveTtl)
      redis.call('SET', versionKey, record, 'EX', liveTtl)
    else
      redis.call('SET', valueKey, ARGV[at + 1])
      redis.call('SET', versionKey, record)
    end
    results[i] = 1
  end
end
return results`;

export const APPLY_HASH_LUA = `${COMMON}
local at = 3
for i = 1, #KEYS do
  local key, record, count = KEYS[i], ARGV[at], tonumber(ARGV[at + 1])
  local first = at + 2
  at = first + count
  local held = redis.pcall('HGET', key, '_sync')
  local isNewer = type(held) ~= 'table' and newer(held, record)
  if type(held) == 'table' then
    results[i] = held.err
  elseif isNewer == nil then
    results[i] = ${UNREADABLE}
  elseif not isNewer then
    results[i] = 0
  else
    redis.call('DEL', key)
    redis.call('HSET', key, '_sync', record)
    if isDelete(record) then
      redis.call('EXPIRE', key, tombstoneTtl)
    else
      -- In slices: unpack of thousands of values would overflow the Lua stack.
      for from = first, at - 1, 200 do
        redis.call('HSET', key, unpack(ARGV, from, math.min(from + 199, at - 1)))
      end
      if liveTtl > 0 then redis.call('EXPIRE', key, liveTtl) end
    end
    results[i] = 1
  end
end
return results`;

/** The hash field holding the version record; a document field of that name is dropped (it cannot be forged). */
export const HASH_VERSION_FIELD = '_sync';

/** The version record of an event: what the scripts compare and store. */
export const versionRecord = (lsn: number, ts: number, deleted: boolean, eventId: string): string =>
  `${lsn} ${ts} ${deleted ? 1 : 0} ${eventId}`;

/** Reads a version record back (for readers and tests); undefined when the text is not one. */
export function parseVersionRecord(
  record: string,
): { lsn: number; ts: number; deleted: boolean; eventId: string } | undefined {
  const match = /^(\d+) (\d+) ([01]) (.*)$/.exec(record);
  if (!match) return undefined;
  return { lsn: Number(match[1]), ts: Number(match[2]), deleted: match[3] === '1', eventId: match[4] as string };
}
