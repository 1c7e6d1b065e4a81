// The worker serves its health check and the demo page from www/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from './harness.mjs';

let w;
before(async () => { w = await startWorker(); });
after(async () => { await w?.stop(); });

test('GET /healthz answers 200 JSON', async () => {
  const r = await fetch(`${w.url}/healthz`);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).ok, true);
});

test('GET / serves the demo page', async () => {
  const r = await fetch(`${w.url}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await r.text(), /<title>edge-session/);
});

test('unknown API path is a JSON 404 with a code', async () => {
  const r = await fetch(`${w.url}/api/nope`);
  assert.equal(r.status, 404);
  assert.equal((await r.json()).error.code, 'not_found');
});
