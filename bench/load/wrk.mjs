// Runs wrk once with bench/load/wrk.lua and returns the figures its done() hook prints.
import { execFile } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'wrk.lua');

/**
 * One bounded wrk run: `connections` connections, one per thread (the script keeps
 * per-connection state per thread), for `seconds`. Returns { requests, duration_us, bytes,
 * errors, latency_us, statuses } plus rps, non2xx and socket_errors.
 */
export function runWrk({ url, mode, tag = 0, sessions, connections, seconds }) {
  const extra = sessions ? [sessions, String(connections)] : [];
  const args = ['-t', String(connections), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '5s',
    '--latency', '-s', SCRIPT, url, '--', mode, String(tag), ...extra];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (seconds + 20) * 1000, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
      if (err || !line) {
        reject(new Error(`wrk ${args.join(' ')} failed: ${err ? err.message : 'no WRK_JSON line'}\n${stdout}${stderr}`));
        return;
      }
      const r = JSON.parse(line.slice('WRK_JSON '.length));
      const ok = Object.entries(r.statuses).filter(([s]) => s >= 200 && s < 300).reduce((a, [, c]) => a + c, 0);
      r.responses = Object.values(r.statuses).reduce((a, c) => a + c, 0);
      r.non2xx = r.responses - ok;
      r.socket_errors = r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
      r.rps = r.requests / (r.duration_us / 1e6);
      resolve(r);
    });
  });
}
