// A keep-alive HTTP/1.1 client for the worker end-to-end tests: every request of one client
// goes over one socket (an agent with one connection), bodies can be streamed in chunks without
// a Content-Length, and each answer says whether its socket was reused, so a test can check
// that an answer did not cost the connection.
import http from 'node:http';

/** A client of `url` holding one keep-alive connection. */
export function keepAliveClient(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(url);
  let sockets = 0;
  /**
   * One request. `chunks`: total bytes to stream chunked (no Content-Length), in pieces of
   * 64 KiB (`Transfer-Encoding: chunked`); `body`: a string or Buffer sent with its
   * `Content-Length`. Resolves to
   * { status, headers, text, json, reused, socketId }; rejects on a reset or a timeout.
   */
  function request(method, path, { headers = {}, body, chunks, timeoutMs = 30_000 } = {}) {
    // Framing is explicit: node sends a GET, HEAD, DELETE or OPTIONS body unframed otherwise,
    // and the server reads those bytes as the next request.
    headers = { ...headers };
    if (chunks !== undefined) headers['transfer-encoding'] = 'chunked';
    else if (body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = http.request({ host: hostname, port, method, path, agent, headers, timeout: timeoutMs });
      req.on('socket', (s) => { if (!s.edgeId) s.edgeId = ++sockets; });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.on('response', (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let json;
          try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
          resolve({ status: res.statusCode, headers: res.headers, text, json,
            reused: req.reusedSocket, socketId: req.socket?.edgeId });
        });
      });
      if (chunks === undefined) { req.end(body); return; }
      const piece = Buffer.alloc(64 * 1024, 0x61);
      let left = chunks;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, piece.length);
          left -= n;
          if (!req.write(n === piece.length ? piece : piece.subarray(0, n))) { req.once('drain', pump); return; }
        }
        req.end();
      };
      pump();
    });
  }
  return { request, close: () => agent.destroy() };
}
