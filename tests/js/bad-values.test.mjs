// No value crashes or poisons anything: every value kind (function, Symbol, BigInt, cycle, a
// toJSON answering undefined, a throwing getter, Proxies plain, throwing and revoked, NaN,
// ±Infinity, -0, unsafe integers, fractions, sparse arrays, a 10 MB string) against every
// argument slot of the public entry points, store answers included, plus use after free(),
// `new Keyring()` and a store promise that never settles; the same for the lean entry
// `edge-session/lite` (group `lite`, and its use after free() among the special cases).
//
// Each group runs in a child process (bad-values-child.mjs) so that a crash of the wasm
// instance or of Node fails its test instead of killing the runner. Each case asserts: a coded
// Error (async methods reject, never throw), or a success the package documents for that
// value; and the object still works afterwards. Runs under whichever `node` runs this file
// (scripts/test.sh runs it under Node 22 and Node 20).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PKG } from './helpers.mjs';

const CHILD = fileURLToPath(new URL('./bad-values-child.mjs', import.meta.url));
const GROUPS = ['keyring', 'ring', 'lite', 'manager_options', 'manager_methods', 'cookies', 'store_answers', 'special'];
// Codes of errors that carry an HTTP status (the session layer's).
const SESSION_CODES = new Set(['invalid_input', 'invalid_token', 'session_not_found', 'store_corrupt',
  'store_unavailable', 'store_timeout', 'data_too_large', 'version_conflict']);

function runChild(group) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CHILD, group, PKG], { timeout: 150_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code ?? 1 : 0, signal: err?.signal ?? null, stdout, stderr });
    });
  });
}

for (const group of GROUPS) {
  test(`bad values: ${group}`, async (t) => {
    const r = await runChild(group);
    assert.equal(r.signal, null, `the child was killed (${r.signal}): ${r.stderr.slice(-2000)}`);
    assert.equal(r.code, 0, `the child exited with ${r.code}: ${r.stderr.slice(-2000)}`);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(lines.length >= (group === 'special' ? 10 : 100), `${lines.length} cases`);
    for (const c of lines) {
      await t.test(`${c.slot} <- ${c.kind}`, () => {
        assert.equal(c.syncThrowFromAsync, false, `an async method threw synchronously: ${c.message}`);
        if (c.how === 'throw' || c.how === 'reject') {
          assert.equal(c.coded, true, `uncoded error: ${c.message}`);
          if (SESSION_CODES.has(c.code) && c.how === 'reject') assert.equal(typeof c.status, 'number', `${c.code} has a status`);
        } else {
          assert.equal(c.accepted, true, `accepted without an error, and not a documented result (${c.how})`);
        }
        assert.equal(c.works, true, `the object no longer works afterwards: ${c.worksError ?? ''}`);
      });
    }
    if (group === 'special') {
      const byName = Object.fromEntries(lines.map((c) => [c.slot, c]));
      await t.test('use after free() is object_freed; new Keyring() is invalid_input; a hung store is store_timeout', () => {
        assert.equal(byName['new Keyring()'].code, 'invalid_input');
        assert.equal(byName['lite new Keyring()'].code, 'invalid_input');
        for (const s of ['keyring.verify after free()', 'ring.locate after free()', 'ring.add after free()',
          'lite keyring.verify after free()', 'lite ring.locate after free()', 'lite ring.arcs after free()',
          'manager.create after free()', 'memoryStore.get after free()', 'Ring.movedFraction(freed, ring)']) {
          assert.equal(byName[s].code, 'object_freed', s);
        }
        const hung = byName['store.get() never settles (storeTimeout 50 ms)'];
        assert.deepEqual([hung.how, hung.code, hung.status], ['reject', 'store_timeout', 503]);
        assert.ok(hung.elapsedMs >= 45 && hung.elapsedMs < 5000, `${hung.elapsedMs} ms`);
      });
    }
  });
}
