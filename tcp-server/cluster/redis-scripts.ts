/**
 * The cluster's Redis scripts. Each runs atomically, so every decision that
 * two nodes could race on (who gets a name, who declares a node dead and
 * announces its members' leave, which id a line gets) is taken once, in
 * one place. Keys are derived from ARGV[1] (the prefix), not declared: the
 * cluster needs a standalone Redis (or a Sentinel-managed primary), not a
 * Redis Cluster.
 *
 * Keys (prefix P, `chat:` by default):
 * - P nodes       hash  node → its last heartbeat (Redis clock, ms): the registered nodes
 * - P alive:<n>   string with a TTL: node n is alive while it exists
 * - P names:<n>   hash  name → its identity keys (LF-separated): the names n holds
 * - P id:<key>    string: the node holding that identity key (look-alike names share keys)
 * - P seq         hash  node → the last op number it published (a late node starts there)
 * - P gone        hash  node → when it was removed; its read position is kept a while
 * - P recovering  string with a TTL: Redis lost its data; new claims wait while nodes re-register
 * - P log         stream: every event of the room; one consumer group per node (its read position)
 * - P ids:<n>     sorted set: op number → history id of node n's recent lines (score op number,
 *                 member `<op>:<id>`), so a line published again gets the id it was given
 * - P lastid      string: the last history id given
 * - P history     sorted set: the last CHAT_HISTORY_MAX public lines, for nodes that start later
 *
 * Stream entries: o = origin node, s = its op number, t = type
 * (j join, l leave, p public, m private, s sync, gone), n = name (sender),
 * x = text, i = history id, m = time (ms), l = the client's label (public, optional),
 * to/d = recipient and its node, ns = names (sync).
 */

const PRELUDE = `
local P = ARGV[1]
local me = ARGV[2]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Numbers as whole decimal strings (tostring would give 1.7e+12).
local function int(n) return string.format('%.0f', n) end
local function lines(s)
  local out = {}
  if not s or s == '' then return out end
  for w in string.gmatch(s, '[^\\n]+') do out[#out + 1] = w end
  return out
end
local function cmp_id(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  if am ~= bm then return am < bm and -1 or 1 end
  if as ~= bs then return as < bs and -1 or 1 end
  return 0
end
-- Frees every name a node holds and removes it; its read position is kept
-- (P gone) so that a node that was only cut off can read on where it was.
-- One 'gone' entry tells every node to let its members leave.
local function remove_node(node, now)
  local held = redis.call('HGETALL', P .. 'names:' .. node)
  for i = 2, #held, 2 do
    for _, k in ipairs(lines(held[i])) do
      if redis.call('GET', P .. 'id:' .. k) == node then redis.call('DEL', P .. 'id:' .. k) end
    end
  end
  redis.call('DEL', P .. 'names:' .. node, P .. 'alive:' .. node, P .. 'ids:' .. node)
  redis.call('HDEL', P .. 'nodes', node)
  redis.call('HDEL', P .. 'seq', node)
  redis.call('HSET', P .. 'gone', node, int(now))
  redis.call('XADD', P .. 'log', '*', 'o', node, 't', 'gone')
end
`;

/**
 * REGISTER: ARGV P, me, ttl ms, mode, known nodes (LF-separated), then
 * name, keys pairs. Makes `me` a live node with a read position.
 * - mode 'fresh' (a node starting): the position is the end of the log, and
 *   the answer is the room as it is: {'fresh', {{node, seq, {names}}…}}.
 * - mode 'again' (after a reconnect, or when the node found itself removed):
 *   the position is kept, or the log's start if Redis lost it; the node's
 *   names are taken again (those someone else took meanwhile are answered
 *   as lost), names it no longer holds are freed, and the known nodes are
 *   registered again so that a node that died while Redis was away is
 *   noticed (its liveness is gone) rather than forgotten. If the node was
 *   not registered, Redis lost its data (or the node was removed): new
 *   claims wait one TTL while the others re-register. Answer {'again',
 *   {lost…}, room}: the room as for 'fresh' when the read position had to
 *   be made anew (the events before it are gone), else empty.
 */
const REGISTER = `
local ttl = tonumber(ARGV[3])
local fresh = ARGV[4] == 'fresh'
local now = now_ms()
local was = redis.call('HEXISTS', P .. 'nodes', me)
redis.call('HSET', P .. 'nodes', me, int(now))
redis.call('SET', P .. 'alive:' .. me, '1', 'PX', ttl)
redis.call('HDEL', P .. 'gone', me)
for _, node in ipairs(lines(ARGV[5])) do
  if node ~= me then redis.call('HSETNX', P .. 'nodes', node, int(now)) end
end
local made = redis.pcall('XGROUP', 'CREATE', P .. 'log', me, fresh and '$' or '0', 'MKSTREAM')
local created = type(made) == 'table' and made.ok ~= nil
local function room()
  local out = {}
  for _, node in ipairs(redis.call('HKEYS', P .. 'nodes')) do
    if node ~= me then
      out[#out + 1] = {node, redis.call('HGET', P .. 'seq', node) or '0', redis.call('HKEYS', P .. 'names:' .. node)}
    end
  end
  return out
end
if fresh then return {'fresh', room()} end
local lost, keep = {}, {}
for i = 6, #ARGV - 1, 2 do
  local name, keys = ARGV[i], ARGV[i + 1]
  local free = true
  for _, k in ipairs(lines(keys)) do
    local holder = redis.call('GET', P .. 'id:' .. k)
    if holder and holder ~= me then free = false end
  end
  if free then
    for _, k in ipairs(lines(keys)) do redis.call('SET', P .. 'id:' .. k, me) end
    redis.call('HSET', P .. 'names:' .. me, name, keys)
    keep[name] = true
  else
    lost[#lost + 1] = name
  end
end
local held = redis.call('HGETALL', P .. 'names:' .. me)
for i = 1, #held, 2 do
  if not keep[held[i]] then
    for _, k in ipairs(lines(held[i + 1])) do
      if redis.call('GET', P .. 'id:' .. k) == me then redis.call('DEL', P .. 'id:' .. k) end
    end
    redis.call('HDEL', P .. 'names:' .. me, held[i])
  end
end
if was == 0 then redis.call('SET', P .. 'recovering', '1', 'PX', ttl) end
-- A read position made anew (Redis lost it): what the log no longer holds is
-- in the room as it is now.
return {'again', lost, created and room() or {}}
`;

/**
 * APPLY: ARGV P, me, id floor, history max, the last op number every node
 * has read, then 7 fields per op: kind, seq, a, b, c, d, e. Applies a batch of a node's ops in order, all in one
 * step, and answers one result per op. Kinds:
 * - j (a new claim) / J (a claim applied before, published again): a name, b keys.
 *   {'ok', entry} or {'taken'}; a new claim while the cluster recovers: {'unavailable'}.
 * - l leave: a name. - s sync: a names (LF-separated). - m private: a from, b text, c to, d node.
 * - p public: a name, b text, c id ('' when the node does not know it), d time, e the
 *   client's label ('' for none; kept in the entry as l so every node remembers it);
 *   P the same, sent before: Redis may have given it an id already (P ids:<node>).
 *   {'ok', entry, id}: the id is above the last one, the Redis clock in ms
 *   and the node's floor, so ids only grow, even when Redis came back empty.
 * A node that is not registered gets an UNREGISTERED error and nothing is applied.
 */
const APPLY = `
if redis.call('HEXISTS', P .. 'nodes', me) == 0 then
  return redis.error_reply('UNREGISTERED ' .. me .. ' is not a registered node')
end
local floor = tonumber(ARGV[3])
local hmax = tonumber(ARGV[4])
local recovering = redis.call('EXISTS', P .. 'recovering') == 1
local now = now_ms()
local last = tonumber(redis.call('GET', P .. 'lastid') or '0')
local log = P .. 'log'
local out = {}
local seq = nil
local trim = false
for i = 6, #ARGV - 6, 7 do
  local kind, s, a, b, c, d, e = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
  seq = s
  if kind == 'j' or kind == 'J' then
    local keys = lines(b)
    local result = nil
    if kind == 'j' and recovering then result = {'unavailable'} end
    if not result then
      for _, k in ipairs(keys) do
        local holder = redis.call('GET', P .. 'id:' .. k)
        if holder and holder ~= me then result = {'taken'} break end
      end
    end
    if not result then
      for _, k in ipairs(keys) do redis.call('SET', P .. 'id:' .. k, me) end
      redis.call('HSET', P .. 'names:' .. me, a, b)
      result = {'ok', redis.call('XADD', log, '*', 'o', me, 's', s, 't', 'j', 'n', a)}
    end
    out[#out + 1] = result
  elseif kind == 'l' then
    local keys = redis.call('HGET', P .. 'names:' .. me, a)
    if keys then
      for _, k in ipairs(lines(keys)) do
        if redis.call('GET', P .. 'id:' .. k) == me then redis.call('DEL', P .. 'id:' .. k) end
      end
      redis.call('HDEL', P .. 'names:' .. me, a)
    end
    out[#out + 1] = {'ok', redis.call('XADD', log, '*', 'o', me, 's', s, 't', 'l', 'n', a)}
  elseif kind == 'p' or kind == 'P' then
    -- P (sent before, its id unknown to the node: the answer was lost with
    -- the connection): the id Redis gave it, if Redis still knows; else a new one.
    local id
    if c ~= '' then id = tonumber(c) else
      local given = kind == 'P' and redis.call('ZRANGEBYSCORE', P .. 'ids:' .. me, s, s)[1]
      if given then id = tonumber(string.match(given, ':(%d+)$')) else id = math.max(last + 1, now, floor) end
    end
    if id > last then last = id end
    local ids = int(id)
    redis.call('ZADD', P .. 'ids:' .. me, s, s .. ':' .. ids)
    local entry
    if e ~= '' then
      entry = redis.call('XADD', log, '*', 'o', me, 's', s, 't', 'p', 'n', a, 'x', b, 'i', ids, 'm', d, 'l', e)
    else
      entry = redis.call('XADD', log, '*', 'o', me, 's', s, 't', 'p', 'n', a, 'x', b, 'i', ids, 'm', d)
    end
    if hmax > 0 then
      redis.call('ZADD', P .. 'history', ids, ids .. '\\n' .. d .. '\\n' .. a .. '\\n' .. b)
      trim = true
    end
    out[#out + 1] = {'ok', entry, ids}
  elseif kind == 'm' then
    out[#out + 1] = {'ok', redis.call('XADD', log, '*', 'o', me, 's', s, 't', 'm', 'n', a, 'x', b, 'to', c, 'd', d)}
  elseif kind == 's' then
    out[#out + 1] = {'ok', redis.call('XADD', log, '*', 'o', me, 's', s, 't', 's', 'ns', a)}
  else
    return redis.error_reply('ERR unknown op ' .. tostring(kind))
  end
end
if seq then redis.call('HSET', P .. 'seq', me, seq) end
redis.call('SET', P .. 'lastid', int(last))
-- Once per batch, not per line: the window is what the sorted set holds after the batch.
if trim then redis.call('ZREMRANGEBYRANK', P .. 'history', '0', int(-hmax - 1)) end
-- Lines every node has read are never published again: their ids can go.
redis.call('ZREMRANGEBYSCORE', P .. 'ids:' .. me, '-inf', ARGV[5])
return out
`;

/**
 * HEARTBEAT: ARGV P, me, ttl ms, may reap ('1'/'0'), gone grace ms.
 * Refreshes the node's liveness; when allowed (the caller has been
 * connected for a whole TTL, so liveness lost with a Redis restart is not
 * taken for a death), removes every node whose liveness ran out, once;
 * drops the read positions of nodes gone longer than the grace; trims the
 * log to what every kept position has read. Answers {'ok', read by every
 * registered node, {nodes removed}}, or {'unregistered'}.
 */
const HEARTBEAT = `
if redis.call('HEXISTS', P .. 'nodes', me) == 0 then return {'unregistered'} end
local ttl = tonumber(ARGV[3])
local grace = tonumber(ARGV[5])
local now = now_ms()
redis.call('HSET', P .. 'nodes', me, int(now))
redis.call('SET', P .. 'alive:' .. me, '1', 'PX', ttl)
local reaped = {}
if ARGV[4] == '1' then
  local nodes = redis.call('HGETALL', P .. 'nodes')
  for i = 1, #nodes, 2 do
    local node, beat = nodes[i], tonumber(nodes[i + 1])
    if node ~= me and redis.call('EXISTS', P .. 'alive:' .. node) == 0 and now - beat > ttl then
      remove_node(node, now)
      reaped[#reaped + 1] = node
    end
  end
end
local gone = redis.call('HGETALL', P .. 'gone')
local recent = {}
for i = 1, #gone, 2 do
  if now - tonumber(gone[i + 1]) < grace then recent[gone[i]] = true else redis.call('HDEL', P .. 'gone', gone[i]) end
end
local live, all = '', ''
if redis.call('EXISTS', P .. 'log') == 1 then
  local positions = {}
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', P .. 'log')) do
    local name, last
    for j = 1, #g, 2 do
      if g[j] == 'name' then name = g[j + 1] elseif g[j] == 'last-delivered-id' then last = g[j + 1] end
    end
    positions[name] = last
  end
  -- A registered node without a position yet (re-registered by another
  -- node after Redis lost its data) holds everything back until it has one.
  for _, node in ipairs(redis.call('HKEYS', P .. 'nodes')) do
    local pos = positions[node] or '0-0'
    if live == '' or cmp_id(pos, live) < 0 then live = pos end
  end
  all = live
  for name, pos in pairs(positions) do
    if redis.call('HEXISTS', P .. 'nodes', name) == 0 then
      if recent[name] then
        if all == '' or cmp_id(pos, all) < 0 then all = pos end
      else
        redis.call('XGROUP', 'DESTROY', P .. 'log', name)
      end
    end
  end
  if all ~= '' then redis.call('XTRIM', P .. 'log', 'MINID', all) end
end
return {'ok', live, reaped}
`;

/** PART: ARGV P, me. A node stopping: its names are freed and every node sees its members leave. */
const PART = `
if redis.call('HEXISTS', P .. 'nodes', me) == 0 then return 0 end
remove_node(me, now_ms())
redis.call('HDEL', P .. 'gone', me)
redis.pcall('XGROUP', 'DESTROY', P .. 'log', me)
return 1
`;

export const SCRIPTS = {
  register: PRELUDE + REGISTER,
  apply: PRELUDE + APPLY,
  heartbeat: PRELUDE + HEARTBEAT,
  part: PRELUDE + PART,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
