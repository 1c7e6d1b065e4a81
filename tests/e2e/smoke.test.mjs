// A worker without SESSION_KEYS: every API request (and /healthz) answers 500 config_invalid
// naming the setting, never a crash; the demo page is still served from www/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from './harness.mjs';

let w;
before(async () => { w = await startWorker({ vars: { RING: '{"shards": []}' } }); });
after(async () => { await w?.stop(); });

test('GET /healthz reports the missing setting', async () => {
  const r = await fetch(`${w.url}/healthz`);
  assert.equal(r.status, 500);
  const body = await r.json();
  assert.equal(body.error.code, 'config_invalid');
  assert.match(body.error.message, /SESSION_KEYS/);
});

test('API routes fail closed with config_invalid', async () => {
  for (const [method, path] of [['GET', '/api/session'], ['POST', '/api/sessions'], ['GET', '/api/nope']]) {
    const r = await fetch(`${w.url}${path}`, { method });
    assert.equal(r.status, 500, path);
    assert.equal((await r.json()).error.code, 'config_invalid');
  }
});

test('GET / serves the demo page', async () => {
  const r = await fetch(`${w.url}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await r.text(), /<title>edge-session/);
});
