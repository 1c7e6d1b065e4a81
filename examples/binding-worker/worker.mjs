// A Worker of your own that uses the session worker through a service binding (`SESSIONS` in
// wrangler.toml): one `sessionFromBinding` call per request answers "who is this?", and the
// session API is mounted under /api by handing those requests to the binding unchanged.
//
// The call is JS RPC by default (the session worker's `session` method: no HTTP request between
// the two Workers, and the faster of the two in BENCHMARKS.md); `?transport=fetch` asks with
// `GET /api/session` through the binding instead. A successor cookie (an old token used inside
// its rotation grace window) is passed on to the client.
import { sessionFromBinding } from 'edge-session';

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith('/api/')) return env.SESSIONS.fetch(request); // sign in, sign out, ...
    if (url.pathname === '/healthz') return Response.json({ ok: true });
    const transport = url.searchParams.get('transport') === 'fetch' ? 'fetch' : 'rpc';
    const cookies = [];
    const session = await sessionFromBinding(env.SESSIONS, request, { transport, onSetCookie: (c) => cookies.push(c) });
    if (!session) {
      return Response.json({ error: { code: 'session_required', message: 'sign in first' } }, { status: 401 });
    }
    const resp = Response.json({ hello: session.user, shard: session.shard, version: session.version });
    for (const c of cookies) resp.headers.append('Set-Cookie', c);
    return resp;
  },
};
