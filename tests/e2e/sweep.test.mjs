// A bad-input sweep against the worker in DO and in KV mode: every method (known, WebDAV,
// made up) on every route and on malformed paths, each with a generated mix of credentials,
// headers and bodies (a seeded generator, so a failure replays). Every answer must come back on
// the kept connection, be below 500, and be a JSON error with a code when it is an error.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWorker } from './harness.mjs';
import { TEST_KEYS, ADMIN_TOKEN, COOKIE, client, mintToken } from './helpers.mjs';
import { keepAliveClient } from './rawhttp.mjs';

// Every method workerd passes to a worker. Methods its HTTP parser does not know (M-SEARCH,
// FOO) it answers 501 itself, before any worker runs, so they are not swept.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND', 'PROPPATCH', 'MKCOL',
  'PURGE', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT', 'TRACE', 'ACL', 'NOTIFY', 'SUBSCRIBE', 'MERGE'];
const KNOWN = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']);
const ID = 'A'.repeat(43);
const PATHS = ['/healthz', '/api/ring', '/api/sessions', `/api/sessions/${ID}`, '/api/session', '/api/session/rotate',
  '/api/admin/users/alice/sessions', '/api/admin/stats', '/api/sessions/history', '/__test/calls', '/__test/conformance?store=do', '/__test/conformance?store=zz',
  '/__test/conformance', '/api/sessions/%ZZ', `/api/sessions/${'A'.repeat(500)}`, '/api/sessions/%00',
  '/api/sessions/%F0%9F%98%80', `/api/admin/users/${'u'.repeat(300)}/sessions`, '/api/admin/users//sessions',
  '/api/admin/users/%C3%28/sessions', '/api//session', '/api/session/', '/api/session/rotate/x',
  `/api/session?x=${'q'.repeat(2000)}`, '/api/%2e%2e/session', '/api/nope', `/${'a/'.repeat(200)}`, '/api/sessions/%%%%'];

/** The route and method pairs the worker serves, and how many of them the sweep sends. */
const ALLOWED = [['GET', '/healthz'], ['GET', '/api/ring'], ['GET', '/api/sessions'], ['POST', '/api/sessions'],
  ['DELETE', '/api/sessions'], ['DELETE', `/api/sessions/${ID}`], ['GET', '/api/session'], ['PUT', '/api/session'],
  ['DELETE', '/api/session'], ['POST', '/api/session/rotate'], ['GET', '/api/admin/users/alice/sessions'],
  ['DELETE', '/api/admin/users/alice/sessions'], ['HEAD', '/api/session'], ['OPTIONS', '/api/sessions']];
const DEEP = 300;

/** mulberry32: a small seeded generator. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

/** Credentials: functions of the current valid token. */
const now = () => Math.floor(Date.now() / 1000);
const AUTH = [
  () => ({}),
  (t) => ({ authorization: `Bearer ${t}` }),
  (t) => ({ cookie: `${COOKIE}=${t}` }),
  (t) => ({ cookie: `${COOKIE}="${t}"; other=1` }),
  () => ({ authorization: 'Bearer garbage' }),
  () => ({ authorization: `Bearer ${'A'.repeat(5000)}` }),
  () => ({ authorization: 'Bearer' }),
  (t) => ({ authorization: 'Basic dXNlcjpwYXNz', cookie: `${COOKIE}=${t}` }),
  () => ({ authorization: `Bearer ${ADMIN_TOKEN}` }),
  () => ({ authorization: `Bearer ${mintToken({ kid: 'k-gone' })}` }),
  () => ({ authorization: `Bearer ${mintToken({ expiresAt: now() - 10, issuedAt: now() - 100 })}` }),
  () => ({ authorization: `Bearer ${mintToken({ shard: 'shard-99' })}` }),
  () => ({ authorization: `Bearer ${mintToken({ epoch: 999 })}` }),
  () => ({ authorization: `Bearer ${mintToken({ kid: 'k-test', secret: randomBytes(32) })}` }),
  () => ({ authorization: `Bearer ${mintToken({ kid: 'nope', secret: randomBytes(32) })}` }),
  () => ({ cookie: `pad=${'x'.repeat(40 * 1024)}` }),
  (t) => ({ cookie: `${Array.from({ length: 300 }, (_, i) => `c${i}=v`).join('; ')}; ${COOKIE}=${t}` }),
  () => ({ cookie: `${COOKIE}=; ${COOKIE}=x` }),
];
const EXTRA = [
  {}, {}, { 'if-match': '"1"' }, { 'if-match': 'W/"1"' }, { 'if-match': '*' }, { 'if-match': '"99999999999999999999"' },
  { 'if-match': '"-1"' }, { 'if-match': 'x'.repeat(100) }, { origin: 'https://evil.example' },
  { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-origin', origin: 'null' },
  { origin: 'x'.repeat(2000) }, { 'x-forwarded-for': '1.2.3.4' }, { accept: 'text/html' },
];
const TYPES = [undefined, 'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain',
  'application/x-www-form-urlencoded', `application/json; ${'p=1;'.repeat(300)}`, 'multipart/form-data; boundary=x'];
const deep = (n) => `${'['.repeat(n)}${']'.repeat(n)}`;
const BODIES = [
  undefined, undefined, '', '{}', '{"user":', 'null', '[]', '"str"', '{"user":"a"}', `{"user":"${'u'.repeat(200)}"}`,
  `{"user":"a","data":${deep(5000)}}`, `{"data":${deep(200)},"version":1}`, '{"data":{},"version":1e400}',
  '{"data":{},"version":-1}', '{"data":{},"version":18446744073709551616}', '{"data":{},"version":"1"}',
  '{"user":"\\u0000","device":"\\ud800"}', `{"user":"a","device":"${'d'.repeat(100)}"}`, '{"user":"a","data":"str"}',
  '{"user":"a","data":{"x":1},"extra":true}', `{"user":"a","data":{"x":"${'y'.repeat(9000)}"}}`,
  Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), `{"user":"a","data":{"x":"${'y'.repeat(17000)}"}}`, { chunks: 20000 },
  { chunks: 200 * 1024 }, '{"user":"a"}{"user":"b"}', ' \n\t{"user":"a"} ', '{"user":1}', '{"data":null,"version":1}',
];

/**
 * Runs the sweep against `url`; returns { tried, failures }. `matrix`: every method on every path
 * first. Routing and method checks come before any store is chosen, so the matrix runs once (DO
 * mode); the store-dependent part, the route handlers with bad input, runs in both modes.
 */
async function sweep(url, seed, matrix) {
  const r = rng(seed);
  const { signIn } = client(url);
  const raw = keepAliveClient(url);
  const failures = [];
  const statuses = {};
  let tried = 0;
  let prev = 'nothing';
  let token = (await signIn(`sweep-${seed}`)).token;
  async function one(method, path) {
    if (tried % 40 === 0) token = (await signIn(`sweep-${seed}-${tried}`)).token;
    const headers = { ...pick(r, AUTH)(token), ...pick(r, EXTRA) };
    const type = pick(r, TYPES);
    if (type) headers['content-type'] = type;
    let b = pick(r, BODIES);
    // workerd never hands a GET or HEAD body to the worker, so the worker cannot read it to
    // its end; a large one costs the connection (see README). Those get a small body.
    if ((method === 'GET' || method === 'HEAD') && b?.chunks > 64 * 1024) b = { chunks: 1024 };
    const opts = { headers };
    if (b?.chunks) { opts.chunks = b.chunks; headers['transfer-encoding'] = 'chunked'; } else if (b !== undefined) opts.body = b;
    const what = `${method} ${path.slice(0, 60)} ${JSON.stringify(headers).slice(0, 120)} body=${String(b?.chunks ?? b).slice(0, 40)}`;
    tried++;
    let res;
    try {
      res = await raw.request(method, path, opts);
    } catch (e) {
      failures.push(`${what}: ${e.message} (after ${prev})`);
      prev = what;
      return;
    }
    prev = `${what} -> ${res.status}`;
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status >= 500) failures.push(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
    else if (!KNOWN.has(method) && res.status !== 404 && res.status !== 405) {
      failures.push(`${what}: ${res.status} for a method no route has`);
    } else if (res.status >= 400 && method !== 'HEAD' && typeof res.json?.error?.code !== 'string') {
      failures.push(`${what}: ${res.status} not a coded JSON error: ${res.text.slice(0, 200)}`);
    }
  }
  try {
    // Every method on every path, then the allowed pairs again and again (the handlers).
    if (matrix) for (const method of METHODS) for (const path of PATHS) await one(method, path);
    for (let i = 0; i < DEEP; i++) await one(...pick(r, ALLOWED));
  } finally {
    raw.close();
  }
  return { tried, failures, statuses };
}

let workers = {};
before(async () => {
  const vars = { SESSION_KEYS: TEST_KEYS, ADMIN_TOKEN };
  [workers.do, workers.kv] = await Promise.all([startWorker({ vars }), startWorker({ vars: { ...vars, STORE: 'kv' } })]);
});
after(async () => { await Promise.all(Object.values(workers).map((w) => w.stop())); });

// The two modes at once (separate workers, so one's load does not change the other's answers).
describe('bad-input sweeps', { concurrency: true }, () => {
  for (const [store, seed, matrix] of [['do', 17, true], ['kv', 71, false]]) {
    it(`bad-input sweep (${store}): no 5xx, no dropped connection, every error coded`, async (t) => {
      const { tried, failures, statuses } = await sweep(workers[store].url, seed, matrix);
      t.diagnostic(`${store}: ${tried} requests tried, ${failures.length} failed; by status ${JSON.stringify(statuses)}`);
      assert.equal(tried, (matrix ? METHODS.length * PATHS.length : 0) + DEEP);
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${tried} failed`);
    });
  }
});
