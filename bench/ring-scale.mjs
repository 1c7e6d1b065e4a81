// B. The ring at scale, from JS: loads the configurations bench/ring-rs wrote (`--scale-out`)
// with our package's `Ring.fromJSON`, both forms (history: replay; snapshot: no replay), and
// looks keys up in the loaded rings. Prints JSON on stdout.
//
// Usage: node bench/ring-scale.mjs --dir DIR [--rounds N] [--skip-v1-history 1]
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { arg, ourPackage, do_not_optimize, median } from './lib.mjs';

const i = process.argv.indexOf('--dir');
const dir = i >= 0 ? process.argv[i + 1] : null;
const rounds = arg('--rounds', 7);
const skipV1 = arg('--skip-v1-history', 0) === 1;
const pkg = ourPackage();
if (!pkg || !dir) { console.log(JSON.stringify({ rows: [], note: 'package not built or no --dir' })); process.exit(0); }
const { Ring } = pkg;
const keys = Array.from({ length: 50_000 }, (_, j) => `Luser-${String(j).padStart(8, '0')}`);

function loadMs(text, n) {
  const t = [];
  let ring = null;
  for (let r = 0; r < n; r++) {
    ring?.free?.();
    const t0 = process.hrtime.bigint();
    ring = Ring.fromJSON(text);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(t), ring };
}

const rows = [];
for (const label of ['1000-v1', '1000-v2', '10000-v2']) {
  const h = join(dir, `ring-${label}.history.json`);
  const s = join(dir, `ring-${label}.snapshot.json`);
  if (!existsSync(h)) continue;
  const history = readFileSync(h, 'utf8');
  const snapshot = readFileSync(s, 'utf8');
  const row = { label, history_bytes: history.length, snapshot_bytes: snapshot.length };
  let ring = null;
  if (!(skipV1 && label.endsWith('v1'))) {
    const r = loadMs(history, 1);
    row.history_load_ms = r.ms; row.history_rounds = 1; ring = r.ring;
  }
  try {
    const r = loadMs(snapshot, rounds);
    row.snapshot_load_ms = r.ms; row.snapshot_rounds = rounds;
    if (ring && JSON.stringify(ring.arcs()) !== JSON.stringify(r.ring.arcs())) throw new Error(`${label}: forms differ`);
    ring?.free?.();
    ring = r.ring;
  } catch (e) {
    if (!e.code) throw e;
    row.snapshot_error = e.code;
  }
  if (ring) {
    row.shards = ring.shards.length; row.epoch = ring.epoch; row.version = ring.version;
    let x;
    const t = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = process.hrtime.bigint();
      for (let j = 0; j < keys.length; j++) x = ring.locate(keys[j]);
      t.push(Number(process.hrtime.bigint() - t0) / keys.length);
    }
    do_not_optimize(x);
    row.lookup_ns = median(t);
    ring.free?.();
  }
  rows.push(row);
}
console.log(JSON.stringify({ rounds, rows }, null, 1));
