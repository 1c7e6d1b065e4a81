// A test consumer of the session worker's events: the served worker of a two-worker local
// wrangler process. It forwards every request to the session worker (bound as SESSIONS),
// consumes the `edge-session-events` queue the session worker produces to, and answers
// GET /__events with what it has received (kept in memory: one local isolate).
const received = [];
const MAX = 1000;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/__events') return Response.json(received);
    return env.SESSIONS.fetch(request);
  },
  async queue(batch) {
    for (const m of batch.messages) {
      if (received.length < MAX) received.push(m.body);
      m.ack();
    }
  },
};
