// The Lua scripts RedisStore runs on each server (each one is atomic on its server).
//
// Per server, `<P>s:<idHash>` is a hash holding up to three things:
// - the committed record: j (record JSON), v (version), ls (lastSeen), ie (idleExpiresAt),
//   ae (absoluteExpiresAt), ex (expiresAt), u (user), sh (shard), w (id of the write that made it);
// - or a tombstone: t = 1, v, ae, u, sh, w (a deleted id: nothing older or newer comes back);
// - a pending write of phase one (two-phase writes): pk (put | del), pw (write id), pl (lease
//   end, server ms), and for a put the new record: pj pv pls pie pae pex pu psh.
// Readers only ever see committed records and tombstones; a pending write is invisible until
// its commit and is dropped by its abort or when its lease ends.
// `<P>u:<user>` is a sorted set of the user's ids (records and tombstones) scored by expiry.
//
// The rules mirror the core's store decisions: compare-and-set applies iff the stored version
// equals the expected one (else a conflict with the current version), create is refused when
// the key exists (a tombstone counts), replace = compare-and-set on the old key + create of the
// new one, touch moves lastSeen/idleExpiresAt forward only and never changes the version.

const COMMON = `
local P = ARGV[1]
local function K(id) return P .. 's:' .. id end
local function nowms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local PENDING = {'pk', 'pw', 'pl', 'pj', 'pv', 'pls', 'pie', 'pae', 'pex', 'pu', 'psh'}
local function index(u, id, score, ttl)
  if not u or u == '' then return end
  local U = P .. 'u:' .. u
  redis.call('ZADD', U, score, id)
  if redis.call('TTL', U) < ttl then redis.call('EXPIRE', U, ttl) end
end
-- r: {j, v, ls, ie, ae, ex, u, sh} as strings
local function put(id, r, w, grace)
  local k = K(id)
  redis.call('HDEL', k, 't')
  redis.call('HSET', k, 'j', r.j, 'v', r.v, 'ls', r.ls, 'ie', r.ie, 'ae', r.ae, 'ex', r.ex,
    'u', r.u, 'sh', r.sh, 'w', w)
  local ttl = math.max(1, tonumber(r.ex) - tonumber(r.ls)) + grace
  redis.call('EXPIRE', k, ttl)
  index(r.u, id, tonumber(r.ex), ttl)
end
-- A tombstone outlives every copy of the record: at least the record's own TTL here and the
-- longest one seen elsewhere (ttl); with neither known, the default (fallback).
local function tomb(id, v, ae, u, sh, w, ttl, fallback)
  local k = K(id)
  local left = redis.call('TTL', k)
  if left > ttl then ttl = left end
  if ttl < 1 then ttl = fallback end
  redis.call('DEL', k)
  redis.call('HSET', k, 't', '1', 'v', v, 'ae', ae, 'u', u, 'sh', sh, 'w', w)
  redis.call('EXPIRE', k, ttl)
  if tonumber(ae) then index(u, id, tonumber(ae), ttl) end
end
local function commit_key(id, W, grace, tombttl, fallback)
  local k = K(id)
  local f = redis.call('HMGET', k, 'pk', 'pw', 'w', 't', 'pj', 'pv', 'pls', 'pie', 'pae', 'pex',
    'pu', 'psh', 'v', 'u', 'sh', 'ae')
  if f[2] == W then
    redis.call('HDEL', k, unpack(PENDING))
    if f[1] == 'put' then
      put(id, {j = f[5], v = f[6], ls = f[7], ie = f[8], ae = f[9], ex = f[10], u = f[11], sh = f[12]}, W, grace)
    else
      tomb(id, f[13] or '0', f[16] or '', f[14] or '', f[15] or '', W, tombttl, fallback)
    end
    return 'ok'
  end
  if f[3] == W then return 'ok' end
  if f[4] then return 'gone' end
  return 'lost'
end
`;

export const SCRIPTS = {
  // Phase one. ARGV: P W leaseMs apply(1|0) grace tombTtl opsJSON.
  // ops: [{k: create|cas|delIf|del, id, e (expected version), r (record fields), sh}]
  // Checks every op; if all pass, records them as pending (or applies them at once when
  // apply = 1, for a single server). Returns {'ok'|'no', status per op}.
  prepare: COMMON + `
local W, LEASE, APPLY, GRACE, TOMBTTL = ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1', tonumber(ARGV[5]), tonumber(ARGV[6])
local ops = cjson.decode(ARGV[7])
local now = nowms()
local out, pass = {}, true
for i, op in ipairs(ops) do
  local k = K(op.id)
  local f = redis.call('HMGET', k, 't', 'v', 'w', 'pw', 'pl')
  local t, v, w, pw, pl = f[1], f[2], f[3], f[4], f[5]
  local s
  if w == W then s = 'done'
  elseif op.k == 'del' then
    if t then s = 'gone' elseif v then s = 'found:' .. redis.call('TTL', k) else s = 'absent' end
  elseif t then
    if op.k == 'create' then s = 'exists' else s = 'gone' end
  elseif pw and pw ~= W and tonumber(pl) > now then s = 'busy:' .. (v or '0')
  elseif op.k == 'create' then
    if v then s = 'exists' else s = 'ok' end
  else
    -- A copy that is missing or older (a server that restarted or missed writes) takes the
    -- write as a catch-up, but only alongside a copy at exactly the expected version (the
    -- caller checks). A single server (APPLY) has nobody to check with: exact or refused.
    local cur = v and tonumber(v)
    if cur == op.e then s = 'ok'
    elseif cur and cur > op.e then s = 'conflict:' .. v
    elseif APPLY then
      if cur then s = 'conflict:' .. v else s = 'missing' end
    elseif cur then s = 'behind:' .. v
    else s = 'behind' end
  end
  out[i] = s
  local good = s == 'ok' or s == 'done' or s == 'absent' or string.sub(s, 1, 6) == 'behind'
    or string.sub(s, 1, 6) == 'found:' or (s == 'gone' and op.k == 'del')
  if not good then pass = false end
end
if not pass then return {'no', unpack(out)} end
for i, op in ipairs(ops) do
  local s = out[i]
  if s ~= 'done' and s ~= 'gone' then
    local k = K(op.id)
    local fresh = redis.call('EXISTS', k) == 0
    if op.k == 'create' or op.k == 'cas' then
      local r = op.r
      redis.call('HSET', k, 'pk', 'put', 'pw', W, 'pl', now + LEASE, 'pj', r.j, 'pv', r.v,
        'pls', r.ls, 'pie', r.ie, 'pae', r.ae, 'pex', r.ex, 'pu', r.u, 'psh', r.sh)
    else
      redis.call('HSET', k, 'pk', 'del', 'pw', W, 'pl', now + LEASE)
      if fresh then redis.call('HSET', k, 'sh', op.sh) end
    end
    if fresh then redis.call('PEXPIRE', k, LEASE + 5000) end
    if APPLY then commit_key(op.id, W, GRACE, 0, TOMBTTL) end
  end
end
return {'ok', unpack(out)}`,

  // Phase two. ARGV: P W grace tombTtl idsJSON defaultTombTtl. Returns a status per id:
  // ok | gone | lost.
  commit: COMMON + `
local out = {}
for i, id in ipairs(cjson.decode(ARGV[5])) do
  out[i] = commit_key(id, ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[6]))
end
return out`,

  // Undo of phase one. ARGV: P W idsJSON.
  abort: COMMON + `
for _, id in ipairs(cjson.decode(ARGV[3])) do
  local k = K(id)
  local f = redis.call('HMGET', k, 'pw', 'v', 't')
  if f[1] == ARGV[2] then
    redis.call('HDEL', k, unpack(PENDING))
    if not f[2] and not f[3] then redis.call('DEL', k) end
  end
end
return 'ok'`,

  // ARGV: P id lastSeen idleExpiresAt grace. Forward only; never changes the version.
  touch: COMMON + `
local id = ARGV[2]
local k = K(id)
local f = redis.call('HMGET', k, 'ls', 'ie', 'ae', 'u', 't')
if f[5] or not f[1] then return 'missing' end
local ls = math.max(tonumber(f[1]), tonumber(ARGV[3]))
local ie = math.max(tonumber(f[2]), tonumber(ARGV[4]))
local ex = math.min(ie, tonumber(f[3]))
redis.call('HSET', k, 'ls', string.format('%d', ls), 'ie', string.format('%d', ie), 'ex', string.format('%d', ex))
local ttl = math.max(1, ex - ls) + tonumber(ARGV[5])
if redis.call('TTL', k) < ttl then redis.call('EXPIRE', k, ttl) end
index(f[4], id, ex, ttl)
return 'ok'`,

  // Repair of one copy. ARGV: P id kind(rec|tomb) grace fieldsJSON defaultTombTtl.
  // rec: written unless a tombstone is here or the copy here wins (higher version, or same
  // version and higher write id); same write: lastSeen/idleExpiresAt merged forward.
  // tomb: always written (revocation wins). Returns copied | merged | same | newer | gone.
  sync: COMMON + `
local id = ARGV[2]
local k = K(id)
local r = cjson.decode(ARGV[5])
local f = redis.call('HMGET', k, 't', 'v', 'ls', 'ie', 'ae', 'u', 'w')
if ARGV[3] == 'tomb' then
  if f[1] then
    if redis.call('TTL', k) < r.ttl then redis.call('EXPIRE', k, r.ttl) end
    return 'same'
  end
  tomb(id, r.v, r.ae, r.u, r.sh, r.w, r.ttl, tonumber(ARGV[6]))
  return 'copied'
end
if f[1] then return 'gone' end
local cur, v = f[2] and tonumber(f[2]), tonumber(r.v)
local cw, rw = f[7] or '', r.w or ''
if cur and (cur > v or (cur == v and cw > rw)) then return 'newer' end
if cur and cur == v and cw == rw then
  local ls, ie = tonumber(f[3]), tonumber(f[4])
  if tonumber(r.ls) <= ls and tonumber(r.ie) <= ie then return 'same' end
  ls = math.max(ls, tonumber(r.ls))
  ie = math.max(ie, tonumber(r.ie))
  local ex = math.min(ie, tonumber(f[5]))
  redis.call('HSET', k, 'ls', string.format('%d', ls), 'ie', string.format('%d', ie), 'ex', string.format('%d', ex))
  local ttl = math.max(1, ex - ls) + tonumber(ARGV[4])
  if redis.call('TTL', k) < ttl then redis.call('EXPIRE', k, ttl) end
  index(f[6], id, ex, ttl)
  return 'merged'
end
put(id, r, r.w, tonumber(ARGV[4]))
return 'copied'`,

  // ARGV: P user now max -> per entry {'r', id, j, v, ls, ie, ex, w} or {'t', id}.
  list: COMMON + `
local U = P .. 'u:' .. ARGV[2]
redis.call('ZREMRANGEBYSCORE', U, '-inf', ARGV[3])
local out = {}
for _, id in ipairs(redis.call('ZRANGE', U, 0, tonumber(ARGV[4]) - 1)) do
  local f = redis.call('HMGET', K(id), 't', 'j', 'v', 'ls', 'ie', 'ex', 'w', 'u')
  if f[1] then table.insert(out, {'t', id})
  elseif f[2] and f[8] == ARGV[2] then table.insert(out, {'r', id, f[2], f[3], f[4], f[5], f[6], f[7]})
  elseif redis.call('EXISTS', K(id)) == 0 then redis.call('ZREM', U, id) end
end
return out`,
};

/** The hash fields a read asks for, in order. */
export const READ_FIELDS = ['t', 'j', 'v', 'ls', 'ie', 'ex', 'ae', 'u', 'sh', 'w'];
