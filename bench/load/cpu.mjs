// CPU time of a process group (a wrangler dev and the workerd processes it started), from
// /proc/<pid>/stat: utime + stime in clock ticks, summed over every process of the group.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** { total, workerd } CPU seconds used so far by the processes of group `pgid`. */
export function groupCpu(pgid) {
  let total = 0;
  let workerd = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${d}/stat`, 'utf8'); } catch { continue; } // gone meanwhile
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' '); // f[0] is field 3 (state)
    if (Number(f[2]) !== pgid) continue; // field 5: pgrp
    const s = (Number(f[11]) + Number(f[12])) / TICKS_PER_S; // fields 14, 15: utime, stime
    total += s;
    if (comm.startsWith('workerd')) workerd += s;
  }
  return { total, workerd };
}
