// The origin's check of the gateway's identity headers, and a Worker asking a bound session
// worker, as the package README shows them.
import { createServer } from 'node:http';
import { verifyGatewayHeaders, sessionFromBinding, GatewayKeys } from 'edge-session';
import type { GatewayIdentity, ServiceBindingLike, Session } from 'edge-session';

const keys = process.env.GATEWAY_KEYS ?? '[]';
createServer((req, res) => {
  let who: GatewayIdentity | null = null;
  try {
    who = verifyGatewayHeaders({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }, { keys, maxSkew: 30 });
  } catch (e) {
    res.writeHead(401).end((e as { code: string }).code);
    return;
  }
  res.end(who ? `${who.user} v${who.version} (${who.kid})` : 'anonymous');
});

const h: Record<string, string> = GatewayKeys.fromJSON(keys).sign('GET', '/', { user: 'a', id: 'x', shard: 's', version: 1, expires: 2 });
// @ts-expect-error the identity needs every field
GatewayKeys.fromJSON(keys).sign('GET', '/', { user: 'a' });
void h;

export default {
  async fetch(request: Request, env: { SESSIONS: ServiceBindingLike }): Promise<Response> {
    const session: Session | null = await sessionFromBinding(env.SESSIONS, request);
    return new Response(session ? `hello ${session.user}` : 'who are you?', { status: session ? 200 : 401 });
  },
};
