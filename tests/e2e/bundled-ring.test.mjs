// A ring bundled at build time (RING_FILE, scripts/ring-module.mjs) instead of the RING var: a
// ring of 5,000 shards, 150 KiB of configuration, more than one environment string may hold
// on this very machine (Linux refuses a single one over 128 KiB, so wrangler cannot even pass
// it as a var). The test copies the test build, writes its ring module with the script the
// build uses, and serves that copy. Both a var and a bundled ring at once is config_invalid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, WORKER, startWorker } from './harness.mjs';
import { TEST_KEYS, client, assertError } from './helpers.mjs';

const N = 5000;
const RING = JSON.stringify({ version: 2, shards: Array.from({ length: N }, (_, i) => ({ name: `bundled-shard-${String(i).padStart(5, '0')}` })) });
const names = new Set(JSON.parse(RING).shards.map((s) => s.name));
const copy = join('target/e2e', `bundled-ring-${process.pid}`);
let w;

before(async () => {
  assert.ok(Buffer.byteLength(RING) > 128 * 1024, 'the ring is larger than one environment string may be');
  const build = join(ROOT, WORKER, '../..');
  rmSync(join(ROOT, copy), { recursive: true, force: true });
  mkdirSync(join(ROOT, copy), { recursive: true });
  cpSync(build, join(ROOT, copy), { recursive: true });
  const file = join(ROOT, copy, 'ring.json');
  writeFileSync(file, RING);
  execFileSync(process.execPath, [join(ROOT, 'scripts/ring-module.mjs'), file, join(ROOT, copy, 'worker/ring-config.mjs')]);
  w = await startWorker({ vars: { SESSION_KEYS: TEST_KEYS }, worker: join(copy, 'worker/entry.mjs') });
});
after(async () => {
  await w?.stop();
  rmSync(join(ROOT, copy), { recursive: true, force: true });
});

test('the bundled ring is the ring: 5,000 shards, sessions placed on them', async () => {
  const { api, signIn } = client(w.url);
  const r = await api('GET', '/api/ring');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.shards.length, N);
  assert.equal(r.json.shards.map((s) => BigInt(s.owned)).reduce((a, b) => a + b), 2n ** 64n);
  for (const user of ['ada', 'grace', 'linus']) {
    const s = await signIn(user);
    assert.ok(names.has(s.view.shard), s.view.shard);
    const read = await api('GET', '/api/session', { token: s.token });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.json.user, user);
  }
});

test('a RING var beside a bundled ring is refused, naming RING', async () => {
  const both = await startWorker({
    vars: { SESSION_KEYS: TEST_KEYS, RING: JSON.stringify({ shards: [{ name: 'a' }] }) },
    worker: join(copy, 'worker/entry.mjs'),
  });
  try {
    const { api } = client(both.url);
    const r = await api('GET', '/api/ring');
    assertError(r, 500, 'config_invalid');
    // The message names the setting only; the public answer never echoes configuration.
    const h = await api('GET', '/healthz');
    assert.equal(h.status, 500);
    assert.match(h.text, /RING/);
  } finally {
    await both.stop();
  }
});

test('the module writer refuses a ring over the configuration limit', () => {
  const big = join(ROOT, copy, 'too-big.json');
  writeFileSync(big, 'x'.repeat(1024 * 1024 + 1));
  assert.throws(() => execFileSync(process.execPath, [join(ROOT, 'scripts/ring-module.mjs'), big, join(ROOT, copy, 'out.mjs')], { stdio: 'pipe' }),
    /over the 1 MiB/);
});
