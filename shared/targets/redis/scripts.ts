/**
 * The version guard, run inside Redis as Lua so that for every key the compare and the write are atomic: no other
 * client can write between them. One script call applies a slice of a batch (many keys), which keeps the per-call
 * cost of Redis and of the client off the per-event path.
 *
 * A version record is one string, `<lsn> <ts> <deleted 0|1> <event id>`, kept in `<key>:_sync` (json format) or in
 * the hash field `_sync` (hash format); one string is the cheapest thing to read, compare and write. When the key
 * template leaves out `{source}` or `{partitionKey}`, the record ends with a line break and the JSON of
 * `[source, partitionKey]`, so that reading back (verify) can name the document; the scripts read only the start.
 *
 * ARGV[1] is the live TTL in seconds (0 = none) and ARGV[2] the tombstone TTL; then, per event:
 *   json: version record, JSON value ('' for a delete, never for a document) KEYS: value key, version key
 *   hash: version record, n, then n strings (field, value, field, value...)  KEYS: the hash
 * The reply has one entry per event: 1 written, 0 stale (the held version is the same or newer), or the error text
 * of that key (WRONGTYPE when someone else's data is there). Every check runs before the first write, because
 * Redis does not roll back a script that fails half-way.
 *
 * The keys of one call may lie in different hash slots, so the scripts need a standalone server (or one shard).
 */
import type { PartitionKeyValue } from '../../events/envelope.js';

const COMMON = `
local function newer(held, incoming)
  if not held then return true end
  local heldLsn, heldTs = string.match(held, '^(%d+) (%d+) ')
  if not heldLsn then return nil end
  local lsn, ts = string.match(incoming, '^(%d+) (%d+) ')
  -- Digit strings of equal length compare as text like numbers; tonumber (slow in Lua) only when a length differs.
  if #lsn ~= #heldLsn or #ts ~= #heldTs then
    lsn, ts, heldLsn, heldTs = tonumber(lsn), tonumber(ts), tonumber(heldLsn), tonumber(heldTs)
  end
  return lsn > heldLsn or (lsn == heldLsn and ts > heldTs)
end
local function isDelete(record) return string.find(record, '^%d+ %d+ 1 ') ~= nil end
local function unreadable(key) return 'ERR the version record of ' .. key .. ' is not one this target wrote' end
local liveTtl, tombstoneTtl = tonumber(ARGV[1]), ARGV[2]
local results = {}`;

/**
 * JSON format, in four steps so that Redis runs a few commands per call instead of four per event:
 * 1. one MGET reads every version record (nil for a missing key, and for a key of another type);
 * 2. type checks in bulk: the keys that must be missing (both keys without a record, the value key of a tombstone)
 *    are counted with one EXISTS, and the values of live records are read with one MGET (nil = not a string). Only
 *    when a count or a value is off (someone else's key, an evicted value) is each such key asked its TYPE;
 * 3. each event is compared with the record its key holds, or with the one an earlier event of the call won;
 * 4. only the newest winner of each key is written (the call is atomic, so nobody could see the ones before it):
 *    one MSET for live values without TTL, one DEL for deleted values, SET ... EX for anything that expires.
 * Lists are passed to unpack() whole: slices are bounded (slices.ts) far below Lua's limit of about 8,000 values.
 */
export const APPLY_JSON_LUA = `${COMMON}
local n = #KEYS / 2
if n == 0 then return results end
local versionKeys = {}
for i = 1, n do versionKeys[i] = KEYS[2 * i] end
local held = redis.call('MGET', unpack(versionKeys))

local mustBeMissing, liveKeys, liveAt = {}, {}, {}
for i = 1, n do
  local record = held[i]
  if not record then
    mustBeMissing[#mustBeMissing + 1] = KEYS[2 * i]
    mustBeMissing[#mustBeMissing + 1] = KEYS[2 * i - 1]
  elseif isDelete(record) then
    mustBeMissing[#mustBeMissing + 1] = KEYS[2 * i - 1]
  else
    liveKeys[#liveKeys + 1] = KEYS[2 * i - 1]
    liveAt[i] = #liveKeys
  end
end
local verified = #mustBeMissing == 0 or redis.call('EXISTS', unpack(mustBeMissing)) == 0
local missingAsExpected = verified
if #liveKeys > 0 then
  local liveValues = redis.call('MGET', unpack(liveKeys))
  for j = 1, #liveKeys do
    if not liveValues[j] then verified = false; liveKeys[j] = false end
  end
end

local function foreign(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind ~= 'none' and kind ~= 'string' then
    return 'WRONGTYPE ' .. key .. ' holds a ' .. kind .. ', which this target did not write'
  end
end
-- Only when a bulk check was off: which of this event's keys holds something this target did not write.
local function problemOf(i)
  local j = liveAt[i]
  if j then
    if not liveKeys[j] then return foreign(KEYS[2 * i - 1]) end
  elseif not missingAsExpected then
    return (not held[i] and foreign(KEYS[2 * i])) or foreign(KEYS[2 * i - 1])
  end
end

-- winner[version key] = the event that holds the key so far (a key may come more than once in a call).
local winner = {}
for i = 1, n do
  local versionKey = KEYS[2 * i]
  local problem = not verified and problemOf(i)
  local before = winner[versionKey]
  local isNewer = not problem and newer(before and ARGV[1 + 2 * before] or held[i], ARGV[1 + 2 * i])
  if problem then
    results[i] = problem
  elseif isNewer == nil then
    results[i] = unreadable(versionKey)
  elseif isNewer then
    winner[versionKey] = i
    results[i] = 1
  else
    results[i] = 0
  end
end

local values, deleted = {}, {}
for i = 1, n do
  local versionKey = KEYS[2 * i]
  if winner[versionKey] == i then
    local valueKey, record, value = KEYS[2 * i - 1], ARGV[1 + 2 * i], ARGV[2 + 2 * i]
    if value == '' then
      deleted[#deleted + 1] = valueKey
      redis.call('SET', versionKey, record, 'EX', tombstoneTtl)
    elseif liveTtl > 0 then
      redis.call('SET', valueKey, value, 'EX', liveTtl)
      redis.call('SET', versionKey, record, 'EX', liveTtl)
    else
      values[#values + 1] = valueKey
      values[#values + 1] = value
      values[#values + 1] = versionKey
      values[#values + 1] = record
    end
  end
end
if #deleted > 0 then redis.call('DEL', unpack(deleted)) end
if #values > 0 then redis.call('MSET', unpack(values)) end
return results`;

/**
 * Hash format: a hash cannot be read for many keys at once, so each key is read (HGET, which also fails with
 * WRONGTYPE on another type) and written in turn, in event order. A write replaces the whole hash: DEL, then one
 * HSET of the version record and the fields (more HSETs only for documents of more than 100 fields).
 */
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
    results[i] = unreadable(key)
  elseif not isNewer then
    results[i] = 0
  else
    redis.call('DEL', key)
    if isDelete(record) then
      redis.call('HSET', key, '_sync', record)
      redis.call('EXPIRE', key, tombstoneTtl)
    else
      -- In chunks of 200 values: unpack of thousands of values would overflow the Lua stack.
      local upTo = math.min(first + 199, at - 1)
      redis.call('HSET', key, '_sync', record, unpack(ARGV, first, upTo))
      for from = upTo + 1, at - 1, 200 do
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

/**
 * The version record of an event: what the scripts compare and store; `ref` (the JSON of `[source, partitionKey]`)
 * only when the key does not spell them. Event ids hold no line break (the publisher's are 64 hex characters).
 */
export const versionRecord = (lsn: number, ts: number, deleted: boolean, eventId: string, ref?: string): string =>
  `${lsn} ${ts} ${deleted ? 1 : 0} ${eventId}${ref === undefined ? '' : `\n${ref}`}`;

export interface ParsedVersionRecord {
  lsn: number;
  ts: number;
  deleted: boolean;
  eventId: string;
  /** The document's source and partition key, when the record carries them. */
  ref?: { source: string; partitionKey: PartitionKeyValue };
}

/** Reads a version record back (for readers, verify and tests); undefined when the text is not one. */
export function parseVersionRecord(record: string): ParsedVersionRecord | undefined {
  const match = /^(\d+) (\d+) ([01]) ([^\n]*)(?:\n(.*))?$/s.exec(record);
  if (!match) return undefined;
  const parsed: ParsedVersionRecord = {
    lsn: Number(match[1]),
    ts: Number(match[2]),
    deleted: match[3] === '1',
    eventId: match[4] as string,
  };
  if (match[5] === undefined) return parsed;
  const ref = refOfRecord(match[5]);
  return ref ? { ...parsed, ref } : undefined;
}

function refOfRecord(text: string): ParsedVersionRecord['ref'] {
  try {
    const [source, partitionKey] = JSON.parse(text) as unknown[];
    return typeof source === 'string' && partitionKey !== undefined
      ? { source, partitionKey: partitionKey as PartitionKeyValue }
      : undefined;
  } catch {
    return undefined;
  }
}
