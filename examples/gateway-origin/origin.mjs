// An origin behind the gateway: a plain Node HTTP server that trusts identity headers only after
// one verifyGatewayHeaders call with the gateway's GATEWAY_KEYS. Run from the repo root:
//   GATEWAY_KEYS='[...]' node examples/gateway-origin/origin.mjs     (listens on 127.0.0.1:3000)
import { createServer } from 'node:http';
import { verifyGatewayHeaders } from 'edge-session';

const keys = process.env.GATEWAY_KEYS;
if (!keys) throw new Error('set GATEWAY_KEYS to the gateway worker\'s GATEWAY_KEYS');
const port = Number(process.env.PORT ?? 3000);

createServer((req, res) => {
  let who;
  try {
    who = verifyGatewayHeaders(req, { keys, maxSkew: 30 }); // null: an anonymous request
  } catch (e) {
    // Identity headers that the gateway did not sign (or too old): refuse, never trust them.
    res.writeHead(401, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ error: { code: e.code } }));
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(who ? `hello ${who.user} (session ${who.id.slice(0, 8)}..., version ${who.version})\n` : 'hello, anonymous\n');
}).listen(port, '127.0.0.1', () => console.log(`origin on http://127.0.0.1:${port}`));
