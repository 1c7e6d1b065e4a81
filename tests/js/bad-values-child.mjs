// The child process of bad-values.test.mjs: `node bad-values-child.mjs GROUP` runs every value
// kind against every argument slot of one group of entry points and prints one JSON line per
// case. A crash of the wasm instance or the process shows in the parent as a non-zero exit.
//
// Each case records how the call ended (`throw`, `reject`, `return`, `resolve`), the error's
// code and status, whether a success is one the package documents for that value, and whether
// the object used still works afterwards. The parent turns each line into a test.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [group, pkgDir] = process.argv.slice(2);
const m = await import(pathToFileURL(join(pkgDir, 'index.mjs')).href);
const { Keyring, Ring, SessionManager, MemoryStore, setCookie, clearCookie, readCookie } = m;
// The lean entry `edge-session/lite` (its own wasm), for the `lite` group and the special cases.
const lite = await import(pathToFileURL(join(pkgDir, 'lite/node.js')).href);

const NOW = 1_800_000_000;
const KEYS = [{ kid: 'k1', secret: Buffer.alloc(32, 7).toString('base64'), state: 'primary' }];
const SID = 'AAAAAAAAAAAAAAAAAAAAAA';
const claims = () => ({ sessionId: SID, shard: 'a', epoch: 1, issuedAt: NOW, expiresAt: NOW + 3600 });
const throwing = () => { throw new Error('boom'); };
const TRAPS = Object.fromEntries(['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'apply']
  .map((t) => [t, throwing]));
const HUGE = 'x'.repeat(10 * 1024 * 1024);

/** The value kinds: each makes a value from the slot's valid value. */
export const KINDS = {
  function: () => () => 1,
  symbol: () => Symbol('s'),
  bigint: () => 2n ** 63n,
  cycle: () => { const o = { a: 1 }; o.self = o; return o; },
  toJSON_undefined: () => ({ toJSON: () => undefined }),
  throwing_getter: () => ({ get boom() { throw new Error('getter'); } }),
  proxy: (valid) => (valid !== null && typeof valid === 'object' ? new Proxy(valid, {}) : new Proxy({}, {})),
  throwing_proxy: () => new Proxy({}, TRAPS),
  throwing_proxy_array: () => new Proxy([], TRAPS),
  revoked_proxy: () => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; },
  NaN: () => NaN,
  Infinity: () => Infinity,
  minus_Infinity: () => -Infinity,
  minus_zero: () => -0,
  unsafe_2_53: () => 2 ** 53,
  unsafe_2_63: () => 2 ** 63,
  fraction: () => 1.5,
  sparse_array: (valid) => { const a = new Array(3); a[2] = valid; return a; },
  string_10MB: () => HUGE,
};

// A field whose value is undefined is absent, as in JSON; so is one whose toJSON answers
// undefined (JSON.stringify gives the two the same text). Optional fields then take their default.
const absent = (k) => k === 'toJSON_undefined';
const isCoded = (e) => e instanceof Error && typeof e.code === 'string' && /^[a-z_]+$/.test(e.code);
async function attempt(fn) {
  let ret;
  try {
    ret = fn();
  } catch (e) {
    return { how: 'throw', e };
  }
  if (ret instanceof Promise) {
    try {
      return { how: 'resolve', value: await ret };
    } catch (e) {
      return { how: 'reject', e };
    }
  }
  return { how: 'return', value: ret };
}

// A store over a MemoryStore whose answers a case can replace.
function switchable() {
  const mem = new MemoryStore();
  const over = {};
  const store = {};
  for (const k of ['get', 'create', 'compareAndSet', 'touch', 'replace', 'delete', 'listByUser', 'deleteByUser', 'expire']) {
    store[k] = (...a) => (over[k] ? over[k](...a) : mem[k](...a));
  }
  return { store, over, mem };
}

// These managers sign the same few users in hundreds of times at one fixed `now`: the per-user
// sign-in limit (tested in ratelimit.test.mjs) is off here, or it would answer rate_limited.
const manager = (extra = {}) =>
  new SessionManager({ keys: KEYS, ring: [{ name: 'a' }, { name: 'b' }], store: new MemoryStore(), now: NOW, policy: { signinUserBurst: 0 }, ...extra });

/**
 * Groups of slots. A slot: `call(x)` passes the value; `async`: the entry returns a Promise (so
 * it must reject, never throw); `accept(kind, value)`: a success that is documented for that
 * value; `works()`: the object still does its job afterwards.
 */
const GROUPS = {
  keyring() {
    const kr = Keyring.fromJSON(KEYS);
    const token = kr.sign(claims());
    const works = () => kr.verify(token, NOW).sessionId === SID && Keyring.fromJSON(KEYS).primaryKid === 'k1';
    const withField = (f) => (x) => kr.sign({ ...claims(), [f]: x });
    return {
      'Keyring.fromJSON(x)': { call: (x) => Keyring.fromJSON(x), valid: KEYS, works, accept: (k) => k === 'proxy' },
      'Keyring.fromJSON([{...key, secret: x}])': { call: (x) => Keyring.fromJSON([{ ...KEYS[0], secret: x }]), works },
      'keyring.sign(x)': { call: (x) => kr.sign(x), valid: claims(), works, accept: (k) => k === 'proxy' },
      'keyring.sign({issuedAt: x})': { call: withField('issuedAt'), works, accept: (k) => k === 'minus_zero' },
      'keyring.sign({expiresAt: x})': { call: withField('expiresAt'), works },
      'keyring.sign({epoch: x})': { call: withField('epoch'), works, accept: (k) => k === 'minus_zero' },
      'keyring.sign({payload: x})': { call: withField('payload'), works, accept: absent },
      'keyring.verify(x)': { call: (x) => kr.verify(x, NOW), works },
      'keyring.verify(token, x)': { call: (x) => kr.verify(token, x), works, accept: (k) => k === 'minus_zero' },
      'keyring.tryVerify(x)': { call: (x) => kr.tryVerify(x, NOW), works, accept: (k, v) => v === null },
      'keyring.tryVerify(token, x)': { call: (x) => kr.tryVerify(token, x), works, accept: (k) => k === 'minus_zero' },
    };
  },
  ring() {
    const ring = new Ring([{ name: 'a' }, { name: 'b' }]);
    let n = 0;
    const fresh = () => ({ name: `s${n++}` });
    const works = () => typeof ring.locate('key') === 'string' && (ring.add(fresh()), true);
    return {
      'new Ring(x)': { call: (x) => new Ring(x), valid: [{ name: 'a' }], works, accept: (k) => k === 'proxy' },
      'new Ring([{name, weight: x}])': { call: (x) => new Ring([{ name: 'a', weight: x }]), works, accept: absent },
      'new Ring(shards, x)': { call: (x) => new Ring([{ name: 'a' }], x), works },
      'Ring.fromJSON(x)': { call: (x) => Ring.fromJSON(x), valid: { shards: [{ name: 'a' }] }, works, accept: (k) => k === 'proxy' },
      'ring.add(x)': { call: (x) => ring.add(x), get valid() { return fresh(); }, works, accept: (k) => k === 'proxy' },
      'ring.add({name, weight: x})': { call: (x) => ring.add({ ...fresh(), weight: x }), works, accept: absent },
      'ring.remove(x)': { call: (x) => ring.remove(x), works },
      'ring.setWeight(name, x)': { call: (x) => ring.setWeight('a', x), works },
      'ring.locate(x)': { call: (x) => ring.locate(x), works },
      'ring.position(x)': { call: (x) => ring.position(x), works },
      'ring.preferenceList(key, x)': { call: (x) => ring.preferenceList('k', x), works, accept: (k) => k === 'minus_zero' },
      'ring.atEpoch(x)': { call: (x) => ring.atEpoch(x), works },
      'Ring.movedFraction(x, ring)': { call: (x) => Ring.movedFraction(x, ring), works },
    };
  },
  lite() {
    const kr = lite.Keyring.fromJSON(KEYS);
    const token = Keyring.fromJSON(KEYS).sign(claims());
    const ring = new lite.Ring([{ name: 'a' }, { name: 'b' }]);
    const works = () => kr.verify(token, NOW).sessionId === SID && typeof ring.locate('key') === 'string' &&
      lite.Keyring.fromJSON(KEYS).primaryKid === 'k1';
    const proxyOk = (k) => k === 'proxy';
    const zero = (k) => k === 'minus_zero';
    return {
      'lite Keyring.fromJSON(x)': { call: (x) => lite.Keyring.fromJSON(x), valid: KEYS, works, accept: proxyOk },
      'lite Keyring.fromJSON([{...key, secret: x}])': { call: (x) => lite.Keyring.fromJSON([{ ...KEYS[0], secret: x }]), works },
      'lite keyring.verify(x)': { call: (x) => kr.verify(x, NOW), works },
      'lite keyring.verify(token, x)': { call: (x) => kr.verify(token, x), works, accept: zero },
      'lite keyring.tryVerify(x)': { call: (x) => kr.tryVerify(x, NOW), works, accept: (k, v) => v === null },
      'lite keyring.tryVerify(token, x)': { call: (x) => kr.tryVerify(token, x), works, accept: zero },
      'lite new Ring(x)': { call: (x) => new lite.Ring(x), valid: [{ name: 'a' }], works, accept: proxyOk },
      'lite new Ring([{name, weight: x}])': { call: (x) => new lite.Ring([{ name: 'a', weight: x }]), works, accept: absent },
      'lite new Ring(shards, x)': { call: (x) => new lite.Ring([{ name: 'a' }], x), works },
      'lite Ring.fromJSON(x)': { call: (x) => lite.Ring.fromJSON(x), valid: { shards: [{ name: 'a' }] }, works, accept: proxyOk },
      'lite ring.locate(x)': { call: (x) => ring.locate(x), works },
      'lite ring.position(x)': { call: (x) => ring.position(x), works },
      'lite position(x)': { call: (x) => lite.position(x), works },
    };
  },
  manager_options() {
    const base = { keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), now: NOW };
    const ok = manager();
    const works = async () => (await ok.create({ user: 'u' })).session.user === 'u';
    const opt = (k) => (x) => new SessionManager({ ...base, [k]: x });
    const proxyOk = (k) => k === 'proxy';
    return {
      'new SessionManager(x)': { call: (x) => new SessionManager(x), valid: base, works, accept: proxyOk },
      'new SessionManager({keys: x})': { call: opt('keys'), valid: KEYS, works, accept: proxyOk },
      'new SessionManager({ring: x})': { call: opt('ring'), valid: [{ name: 'a' }], works, accept: proxyOk },
      'new SessionManager({policy: x})': { call: opt('policy'), valid: { idleTimeout: 60 }, works, accept: proxyOk },
      'new SessionManager({policy: {idleTimeout: x}})': { call: (x) => opt('policy')({ idleTimeout: x }), works, accept: absent },
      'new SessionManager({policy: {maxDataBytes: x}})': { call: (x) => opt('policy')({ maxDataBytes: x }), works, accept: absent },
      'new SessionManager({store: x})': { call: opt('store'), valid: switchable().store, works, accept: (k) => k === 'proxy' || k === 'function' },
      'new SessionManager({now: x})': { call: opt('now'), works, accept: (k) => k === 'minus_zero' || k === 'function' },
      'new SessionManager({now: () => x})': {
        call: (x) => new SessionManager({ ...base, now: () => x }).create({ user: 'u' }), async: true, works,
        accept: (k) => k === 'minus_zero' || k === 'fraction', // fractions are floored
      },
      'new SessionManager({storeTimeout: x})': { call: opt('storeTimeout'), works },
    };
  },
  manager_methods() {
    const mgr = manager();
    let token;
    const works = async () => {
      const s = await mgr.create({ user: 'w', data: { a: 1 } });
      token ??= s.token;
      return (await mgr.authenticate(s.token)).session.user === 'w';
    };
    const ready = mgr.create({ user: 'u' }).then((s) => { token = s.token; });
    const a = { async: true, works };
    return {
      ready,
      'manager.create(x)': { ...a, call: (x) => mgr.create(x), valid: { user: 'u' }, accept: (k) => k === 'proxy' },
      'manager.create({user: x})': { ...a, call: (x) => mgr.create({ user: x }) },
      'manager.create({device: x})': { ...a, call: (x) => mgr.create({ user: 'u', device: x }) },
      'manager.create({data: x})': { ...a, call: (x) => mgr.create({ user: 'u', data: x }), valid: { a: 1 }, accept: (k) => k === 'proxy' },
      'manager.authenticate(x)': { ...a, call: (x) => mgr.authenticate(x) },
      'manager.update(token, x, data)': { ...a, call: (x) => mgr.update(token, x, { b: 1 }) },
      'manager.update(token, 1, x)': { ...a, call: (x) => mgr.update(token, 1, x), valid: { b: 1 }, accept: (k) => k === 'proxy' },
      'manager.rotate(x)': { ...a, call: (x) => mgr.rotate(x) },
      'manager.destroy(x)': { ...a, call: (x) => mgr.destroy(x) },
      'manager.listUser(x)': { ...a, call: (x) => mgr.listUser(x) },
      'manager.revokeUser(x)': { ...a, call: (x) => mgr.revokeUser(x) },
      'manager.revoke(user, x)': { ...a, call: (x) => mgr.revoke('u', x) },
      'manager.shardFor(x)': { call: (x) => mgr.shardFor(x), works },
    };
  },
  cookies() {
    const works = () => setCookie('tok', 60).startsWith('__Host-session=tok;');
    const proxyOk = (k) => k === 'proxy';
    return {
      'setCookie(x, maxAge)': { call: (x) => setCookie(x, 60), works },
      'setCookie(token, x)': { call: (x) => setCookie('tok', x), works, accept: (k) => k === 'minus_zero' },
      'setCookie(token, maxAge, x)': { call: (x) => setCookie('tok', 60, x), valid: { name: 's' }, works, accept: proxyOk },
      'setCookie(token, maxAge, {sameSite: x})': { call: (x) => setCookie('tok', 60, { sameSite: x }), works, accept: absent },
      'setCookie(token, maxAge, {secure: x})': { call: (x) => setCookie('tok', 60, { secure: x }), works, accept: absent },
      'clearCookie(x)': { call: (x) => clearCookie(x), valid: { name: 's' }, works, accept: proxyOk },
      'readCookie(x)': { call: (x) => readCookie(x), works, accept: (k, v) => k === 'string_10MB' && v === undefined },
      'readCookie(header, x)': { call: (x) => readCookie('a=b', x), valid: { name: 's' }, works, accept: proxyOk },
    };
  },
  store_answers() {
    const { store, over, mem } = switchable();
    const mgr = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store, now: NOW, storeTimeout: 200 });
    let token;
    const ready = mgr.create({ user: 'u' }).then((s) => { token = s.token; });
    const works = async () => {
      for (const k of Object.keys(over)) delete over[k];
      return (await mgr.authenticate(token)).session.user === 'u' && (await mgr.listUser('u')).length === 1;
    };
    const zero = (k) => k === 'minus_zero'; // -0 is 0
    const answer = (method, run) => ({ async: true, works, call: (x) => { over[method] = () => Promise.resolve(x); return run(); } });
    const sync = (method, run) => ({ async: true, works, call: (x) => { over[method] = () => x; return run(); } });
    return {
      ready,
      'store.get() resolves to x': answer('get', () => mgr.authenticate(token)),
      'store.get() returns x': sync('get', () => mgr.authenticate(token)),
      'store.get() resolves to a record with version x': {
        async: true, works,
        call: (x) => {
          over.get = async (k, now) => ({ ...(await mem.get(k, now)), version: x });
          return mgr.authenticate(token);
        },
        accept: zero,
      },
      'store.get() throws x': { async: true, works, call: (x) => { over.get = () => { throw x; }; return mgr.authenticate(token); } },
      'store.get() rejects with x': { async: true, works, call: (x) => { over.get = () => Promise.reject(x); return mgr.authenticate(token); } },
      'store.listByUser() resolves to x': answer('listByUser', () => mgr.listUser('u')),
      'store.listByUser() resolves to [x]': { async: true, works, call: (x) => { over.listByUser = async () => [x]; return mgr.listUser('u'); } },
      'store.deleteByUser() resolves to x': { ...answer('deleteByUser', () => mgr.revokeUser('nobody')), accept: zero },
      'store.touch() resolves to x': {
        async: true, works,
        call: (x) => { over.touch = async () => x; return mgr.authenticate(token); },
        accept: () => true, // touch's answer is ignored
      },
    };
  },
};

// Cases that are not a value kind: each is `() => [outcome check]`.
const SPECIAL = {
  async lifecycle() {
    const out = [];
    const record = async (name, fn, { async = false, works, accept } = {}) => {
      const r = await attempt(fn);
      out.push(await describe(name, 'special', r, { async, works, accept }));
    };
    await record('new Keyring()', () => new Keyring(), { works: () => Keyring.fromJSON(KEYS).primaryKid === 'k1' });
    const kr = Keyring.fromJSON(KEYS); const token = kr.sign(claims()); kr.free();
    await record('keyring.verify after free()', () => kr.verify(token, NOW));
    await record('keyring.sign after free()', () => kr.sign(claims()));
    await record('keyring.free() twice', () => kr.free());
    const ring = new Ring([{ name: 'a' }]); ring.free();
    await record('ring.locate after free()', () => ring.locate('k'));
    await record('ring.add after free()', () => ring.add({ name: 'b' }));
    await record('Ring.movedFraction(freed, ring)', () => Ring.movedFraction(ring, new Ring([{ name: 'a' }])));
    await record('new SessionManager({ring: freed ring})', () => manager({ ring }));
    const mgr = manager(); mgr.free();
    await record('manager.create after free()', () => mgr.create({ user: 'u' }));
    const mem = new MemoryStore(); mem.free();
    await record('memoryStore.get after free()', () => mem.get('x', NOW));
    await record('lite new Keyring()', () => new lite.Keyring(), { works: () => lite.Keyring.fromJSON(KEYS).primaryKid === 'k1' });
    const lkr = lite.Keyring.fromJSON(KEYS); lkr.free();
    await record('lite keyring.verify after free()', () => lkr.verify(token, NOW));
    const lring = new lite.Ring([{ name: 'a' }]); lring.free();
    await record('lite ring.locate after free()', () => lring.locate('k'));
    await record('lite ring.arcs after free()', () => lring.arcs());
    // A store whose promise never settles: the manager's deadline ends the call.
    const { store, over } = switchable();
    const timed = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store, now: NOW, storeTimeout: 50 });
    const s = await timed.create({ user: 'u' });
    over.get = () => new Promise(() => {});
    const t0 = Date.now();
    await record('store.get() never settles (storeTimeout 50 ms)', () => timed.authenticate(s.token), {
      async: true,
      works: async () => { delete over.get; return (await timed.authenticate(s.token)).session.user === 'u'; },
    });
    out[out.length - 1].elapsedMs = Date.now() - t0;
    // A ring whose add() got a bad value stays usable (it was poisoned for good before).
    const r2 = new Ring([{ name: 'a' }]);
    await record('ring.add(function) then ring.add(valid)', () => r2.add(() => 1), {
      works: () => (r2.add({ name: 'b' }), r2.shards.length === 2),
    });
    return out;
  },
};

async function describe(slot, kind, r, { async: isAsync = false, works, accept } = {}) {
  const line = { slot, kind, how: r.how };
  if (r.e !== undefined) {
    line.coded = isCoded(r.e);
    line.code = r.e?.code;
    line.status = r.e?.status;
    line.message = String(r.e?.message ?? r.e).slice(0, 160);
  } else {
    let accepted = false;
    try { accepted = !!accept?.(kind, r.value); } catch { accepted = false; }
    line.accepted = accepted;
  }
  line.syncThrowFromAsync = isAsync && r.how === 'throw';
  try {
    line.works = works ? !!(await works()) : true;
  } catch (e) {
    line.works = false;
    line.worksError = String(e?.code ?? e?.message ?? e).slice(0, 160);
  }
  return line;
}

if (group === 'special') {
  for (const line of await SPECIAL.lifecycle()) console.log(JSON.stringify(line));
} else {
  const slots = GROUPS[group]();
  await slots.ready;
  for (const [slot, spec] of Object.entries(slots)) {
    if (slot === 'ready') continue;
    for (const [kind, make] of Object.entries(KINDS)) {
      const x = make(spec.valid);
      const r = await attempt(() => spec.call(x));
      console.log(JSON.stringify(await describe(slot, kind, r, spec)));
    }
  }
}
