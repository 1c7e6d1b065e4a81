// Records as RedisStore keeps them: the hash fields of a record or tombstone, their order
// (which copy wins), and parallel calls that answer before every server has.
import { codedError } from '../errors.mjs';

/** Most records `listByUser` returns when the core passes no limit. */
export const MAX_LIST = 256;

/** When a record stops being valid: the core's `expiresAt` (older cores: the min of both deadlines). */
export const expiresAt = (r) => r.expiresAt ?? Math.min(r.idleExpiresAt, r.absoluteExpiresAt);

export const alive = (r, now) => now < expiresAt(r);

/** The hash fields of a record written by shard `sh`. */
export function recordFields(r, sh) {
  return {
    j: JSON.stringify(r),
    v: String(r.version),
    ls: String(r.lastSeen),
    ie: String(r.idleExpiresAt),
    ae: String(r.absoluteExpiresAt),
    ex: String(expiresAt(r)),
    u: r.user,
    sh,
  };
}

/** A record from its stored fields (lastSeen and the idle deadline move with touches). */
export function fromFields(j, v, ls, ie, ex) {
  let r;
  try {
    r = JSON.parse(j);
  } catch {
    throw codedError('store_corrupt', 'session store returned a bad record');
  }
  if (!r || typeof r !== 'object') throw codedError('store_corrupt', 'session store returned a bad record');
  r.version = Number(v);
  r.lastSeen = Number(ls);
  r.idleExpiresAt = Number(ie);
  if ('expiresAt' in r) r.expiresAt = Number(ex);
  return r;
}

/**
 * One server's answer to a read of READ_FIELDS: `{kind: 'rec', f, r}`, `{kind: 'tomb', f}` or
 * `{kind: 'absent'}` (a key holding only a pending write reads as absent).
 */
export function parseRead(vals) {
  const [t, j, v, ls, ie, ex, ae, u, sh, w] = vals;
  if (t) return { kind: 'tomb', f: { v: v ?? '0', ae: ae ?? '', u: u ?? '', sh: sh ?? '', w: w ?? '' } };
  if (j) return { kind: 'rec', f: { j, v, ls, ie, ex, ae, u, sh, w: w ?? '' }, r: fromFields(j, v, ls, ie, ex) };
  return { kind: 'absent' };
}

/**
 * Order of copies: a tombstone beats every record; between records the higher version, then the
 * higher write id (the same order the sync script uses, so repairs converge), then the later
 * lastSeen / idle deadline. Returns > 0 if `a` wins.
 */
export function compare(a, b) {
  const rank = (x) => (!x || x.kind === 'absent' ? 0 : x.kind === 'rec' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (rank(a) !== 1) return 0;
  const [x, y] = [a.f, b.f];
  return (Number(x.v) - Number(y.v)) || (x.w > y.w ? 1 : x.w < y.w ? -1 : 0)
    || (Number(x.ls) - Number(y.ls)) || (Number(x.ie) - Number(y.ie));
}

/**
 * Waits for `calls` (promises, one per server) until `decide(replies)` answers 'now', or
 * 'hedge' and `hedgeMs` more have passed, or every call has settled. `replies[i]` is
 * `{ok: true, value}`, `{ok: false, error}` or undefined (still running). Calls keep running
 * after this resolves; each has its own deadline.
 */
export function gather(calls, decide, hedgeMs) {
  return new Promise((resolve) => {
    const replies = new Array(calls.length);
    let left = calls.length;
    let timer = null;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(replies.slice());
    };
    if (left === 0) finish();
    calls.forEach((p, i) => {
      p.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error })).then((rep) => {
        replies[i] = rep;
        left--;
        if (left === 0) return finish();
        const d = decide(replies);
        if (d === 'now') finish();
        else if (d === 'hedge' && !timer && !done) timer = setTimeout(finish, hedgeMs);
      });
    });
  });
}

export const settledOk = (replies) => replies.filter((r) => r && r.ok);
