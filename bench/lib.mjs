// Shared helpers for the Node benchmarks: interleaved rounds, medians, our package if built.
import { measure, do_not_optimize } from 'mitata';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export { do_not_optimize };

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/**
 * Runs every case once per round, in an order rotated each round, `rounds` times; each
 * measurement is mitata's mean ns/op over at least `cpuMs` of batches. Returns
 * { name: { ns: median over rounds, rounds: [...] } }.
 */
export async function interleaved(cases, { rounds = 7, cpuMs = 150 } = {}) {
  const names = Object.keys(cases);
  const per = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + r) % names.length];
      const stats = await measure(cases[name], { min_cpu_time: cpuMs * 1e6 });
      per[name].push(stats.avg);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ns: median(per[n]), rounds: per[n] }]));
}

/** The package's Node build (scripts/build-pkg.sh -> pkg/, or $BENCH_PKG_NODE), or null when not built. */
export function ourPackage() {
  const dir = process.env.BENCH_PKG_NODE || join(ROOT, 'pkg');
  const entry = existsSync(join(dir, 'package.json')) ? dir : join(dir, 'edge_session.js');
  if (!existsSync(entry)) return null;
  const require = createRequire(join(ROOT, 'bench', 'lib.mjs'));
  try {
    return require(entry);
  } catch (e) {
    console.error(`[bench] pkg/ exists but does not load in Node: ${e.message}`);
    return null;
  }
}

export function pkgVersion(name) {
  const p = join(ROOT, 'bench', 'node_modules', name, 'package.json');
  return JSON.parse(readFileSync(p, 'utf8')).version;
}

/**
 * Like `interleaved`, but each measurement is this process's CPU time (user + system) per call
 * of the case over batches of at least `cpuMs` of CPU, so time the scheduler gives to other
 * processes on a busy machine is not counted. A case returns how many operations it did.
 * Returns { name: { ns: median ns per operation over rounds, rounds: [...] } }.
 */
export function interleavedCpu(cases, { rounds = 7, cpuMs = 100, warmMs = 20 } = {}) {
  const names = Object.keys(cases);
  const per = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1e3; };
  const run = (f, ms) => {
    let ops = 0;
    const t0 = cpu();
    let t = t0;
    while (t - t0 < ms * 1e6) { ops += f(); t = cpu(); }
    return (t - t0) / ops;
  };
  for (const n of names) run(cases[n], warmMs);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + r) % names.length];
      per[name].push(run(cases[name], cpuMs));
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ns: median(per[n]), rounds: per[n] }]));
}

/**
 * Wall-clock time per operation of each case, interleaved finely so that every case runs under
 * the same load: `rounds` rounds, each running every case once (order rotated per round) over
 * one batch of about `batchMs` (shorter than the scheduler's time slice, so that most batches run
 * uninterrupted even on a busy machine). A case is `(count) => ops`: it does `count` operations (going on
 * where its last batch stopped) and returns how many it did. Batch sizes are set per case from a
 * warm-up so that each batch takes about `batchMs`. A batch the scheduler interrupted is an
 * outlier: the figure is the median over batches.
 * Returns { name: { ns: median ns per operation over batches, batches, count } }.
 */
export function interleavedWall(cases, { rounds = 800, batchMs = 0.5, warmMs = 50 } = {}) {
  const names = Object.keys(cases);
  const now = () => Number(process.hrtime.bigint());
  const count = {};
  for (const n of names) {
    // Warm up, then size the batch: double until one takes at least batchMs / 4 (the median of
    // five tries, so that one interrupted try does not set the size).
    const t0 = now();
    while (now() - t0 < warmMs * 1e6) cases[n](16);
    for (let c = 16; ; c *= 2) {
      const dts = Array.from({ length: 5 }, () => { const t = now(); cases[n](c); return now() - t; });
      const dt = median(dts);
      if (dt >= (batchMs * 1e6) / 4 || c >= 2 ** 24) { count[n] = Math.max(1, Math.round((c * batchMs * 1e6) / Math.max(dt, 1))); break; }
    }
  }
  const per = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + r) % names.length];
      const t = now();
      const ops = cases[name](count[name]);
      per[name].push((now() - t) / ops);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ns: median(per[n]), batches: per[n].length, count: count[n] }]));
}
