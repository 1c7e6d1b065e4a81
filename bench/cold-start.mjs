// C/B. The worker's first request after a start, by `RING`: the default ring, and the ring grown
// one shard at a time to 1,000 shards (rule 2) in its snapshot form and in its history form.
// The isolate builds its configuration (RING included) on the first request that needs it, so
// the first /healthz after a start pays the ring load; the later ones show the warm cost.
// Readiness is polled on a static asset, which the worker never sees. The large rings are
// bundled into a copy of the build (scripts/ring-module.mjs, as RING_FILE does): a 1,000-shard
// snapshot is more than an environment string may hold.
//
// Usage: node bench/cold-start.mjs --dir DIR [--rounds N] [--warm N]
//   DIR: where bench/ring-rs --scale-out wrote ring-1000-v2.{snapshot,history}.json.
// Prints JSON on stdout. Each row is the median over rounds; every round starts every case
// (in rotating order) on a fresh local wrangler/workerd. 127.0.0.1 only.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, startWorker } from '../tests/e2e/harness.mjs';
import { TEST_KEYS } from '../tests/e2e/helpers.mjs';
import { arg, median } from './lib.mjs';

const i = process.argv.indexOf('--dir');
const dir = i >= 0 ? process.argv[i + 1] : null;
const rounds = arg('--rounds', 3);
const warmN = arg('--warm', 20);
const WORKER = process.env.BENCH_WORKER ?? 'build/worker/entry.mjs';

const cases = [{ name: 'default ring (4 shards)', ring: null }];
for (const form of ['snapshot', 'history']) {
  const file = dir && join(dir, `ring-1000-v2.${form}.json`);
  if (file && existsSync(file)) cases.push({ name: `1,000 shards grown one at a time, ${form} form`, ring: readFileSync(file, 'utf8'), file });
}

/** A copy of the build with `file` bundled as its ring; returns its entry (relative to ROOT). */
function bundled(file, k) {
  const copy = join('target/bench', `cold-start-${k}`);
  rmSync(join(ROOT, copy), { recursive: true, force: true });
  mkdirSync(join(ROOT, copy), { recursive: true });
  cpSync(join(ROOT, dirname(dirname(WORKER))), join(ROOT, copy), { recursive: true });
  execFileSync(process.execPath, [join(ROOT, 'scripts/ring-module.mjs'), file, join(ROOT, copy, 'worker/ring-config.mjs')]);
  return join(copy, 'worker/entry.mjs');
}
const entries = cases.map((c, k) => (c.file ? bundled(c.file, k) : WORKER));

async function timed(url) {
  const t0 = performance.now();
  const r = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
  return performance.now() - t0;
}

const samples = cases.map(() => ({ cold: [], warm: [] }));
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < cases.length; k++) {
    const c = (k + round) % cases.length;
    const w = await startWorker({ vars: { SESSION_KEYS: TEST_KEYS, STORE: 'do' }, worker: entries[c], readyPath: '/' });
    try {
      samples[c].cold.push(await timed(`${w.url}/healthz`));
      const warm = [];
      for (let j = 0; j < warmN; j++) warm.push(await timed(`${w.url}/healthz`));
      samples[c].warm.push(median(warm));
    } finally {
      await w.stop();
    }
  }
}

const rows = cases.map((c, k) => {
  const cold = median(samples[k].cold);
  const warm = median(samples[k].warm);
  return { case: c.name, ring_bytes: c.ring ? Buffer.byteLength(c.ring) : 0, cold_ms: cold, warm_ms: warm, first_minus_warm_ms: cold - warm };
});
const base = rows[0];
for (const r of rows) r.over_default_ms = r.first_minus_warm_ms - base.first_minus_warm_ms;
console.log(JSON.stringify({ rounds, warm_requests: warmN, worker: WORKER, rows }, null, 1));
