// Bench worker for local workerd: runs a verify loop inside the isolate and reports how long it
// took. workerd's clocks only move on I/O (Spectre mitigation), so the client also times each
// request from outside and subtracts an empty run; many iterations per sample keep the request
// overhead small next to the loop.
import { parseSigned, serializeSigned } from 'hono/utils/cookie';
import { makeOurs } from './gen/ours.mjs';

const enc = new TextEncoder();
let state;

function b64urlToBytes(s) {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}
const tamper = (t) => t.slice(0, -1) + (t.at(-1) === 'A' ? 'E' : 'A');

async function setup(cfg) {
  const secret = b64urlToBytes(cfg.secret);
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const body = cfg.token.slice(0, cfg.token.length - 43);
  const honoCookie = (await serializeSigned('sid', body, secret)).split(';')[0];
  const honoBad = honoCookie.slice(0, -5) + (honoCookie.at(-5) === 'A' ? 'E' : 'A') + honoCookie.slice(-4);
  const ours = await makeOurs(cfg);
  return { key, secret, token: cfg.token, bad: tamper(cfg.token), now: cfg.now, honoCookie, honoBad, ours };
}

// WebCrypto by hand: key imported once, one subtle.verify per token.
async function webcryptoVerify(s, t) {
  const raw = b64urlToBytes(t);
  return crypto.subtle.verify('HMAC', s.key, raw.subarray(raw.length - 32), raw.subarray(0, raw.length - 32));
}

const CASES = {
  'webcrypto|verify valid': async (s) => webcryptoVerify(s, s.token),
  'webcrypto|verify invalid': async (s) => webcryptoVerify(s, s.bad),
  // hono's getSignedCookie path: parseSigned imports the key on every call, as hono does.
  'hono signed cookie|verify valid': async (s) => parseSigned(s.honoCookie, s.secret, 'sid'),
  'hono signed cookie|verify invalid': async (s) => parseSigned(s.honoBad, s.secret, 'sid'),
  'edge-session (wasm)|verify valid': (s) => s.ours.verify(s.token, s.now),
  // tryVerify answers null for a bad token, as subtle.verify answers false (like for like).
  'edge-session (wasm)|verify invalid': (s) => s.ours.tryVerify(s.bad, s.now),
  'edge-session (wasm, throwing verify)|verify invalid': (s) => { try { return s.ours.verify(s.bad, s.now); } catch { return null; } },
};

export default {
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === '/setup') {
      state = await setup(await req.json());
      return Response.json({ ok: true, ours: !!state.ours, cases: Object.keys(CASES).filter((c) => state.ours || !c.startsWith('edge')) });
    }
    if (url.pathname === '/run') {
      const name = url.searchParams.get('case');
      const iters = Number(url.searchParams.get('iters'));
      const f = CASES[name];
      if (!f || !state) return new Response('no such case', { status: 400 });
      let sink = 0;
      const t0 = performance.now();
      for (let i = 0; i < iters; i++) if (await f(state)) sink++;
      const t1 = performance.now();
      return Response.json({ inner_ms: t1 - t0, sink });
    }
    if (url.pathname === '/instantiate') {
      const iters = Number(url.searchParams.get('iters'));
      const t0 = performance.now();
      let n = 0;
      if (state && state.ours && state.ours.instantiate) for (let i = 0; i < iters; i++) n += await state.ours.instantiate();
      return Response.json({ inner_ms: performance.now() - t0, n });
    }
    return new Response('ok');
  },
};
