// A Worker of your own that uses the session worker through a service binding (`SESSIONS` in
// wrangler.toml): one `sessionFromBinding` call per request answers "who is this?", and the
// session API is mounted under /api by handing those requests to the binding unchanged.
import { sessionFromBinding } from 'edge-session';

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith('/api/')) return env.SESSIONS.fetch(request); // sign in, sign out, ...
    if (pathname === '/healthz') return Response.json({ ok: true });
    const session = await sessionFromBinding(env.SESSIONS, request);
    if (!session) {
      return Response.json({ error: { code: 'session_required', message: 'sign in first' } }, { status: 401 });
    }
    return Response.json({ hello: session.user, shard: session.shard, version: session.version });
  },
};
