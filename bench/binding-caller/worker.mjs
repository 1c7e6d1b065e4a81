// The calling Worker of bench/binding.mjs: it binds the session worker as SESSIONS and asks it
// for the session of each request in one call, by JS RPC (GET /rpc) or by fetch through the
// binding (GET /fetch), with the npm package's sessionFromBinding; GET /none answers without
// asking (the baseline: what the calling Worker costs by itself). /api/* goes to the binding.
import { sessionFromBinding } from 'edge-session';

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith('/api/')) return env.SESSIONS.fetch(request);
    if (pathname === '/healthz' || pathname === '/none') return Response.json({ ok: true });
    const transport = pathname === '/rpc' ? 'rpc' : pathname === '/fetch' ? 'fetch' : null;
    if (!transport) return Response.json({ error: { code: 'not_found' } }, { status: 404 });
    const session = await sessionFromBinding(env.SESSIONS, request, { transport });
    if (!session) return Response.json({ error: { code: 'session_required' } }, { status: 401 });
    return Response.json({ user: session.user, version: session.version });
  },
};
