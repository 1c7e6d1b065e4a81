// Which address a request came from, for the middleware's device details (the core keeps the IP,
// a browser + OS summary of User-Agent, and the country and colo where the platform gives them).
//
// `trustProxy` says who may be believed:
//   0 / false / undefined (default)  the socket's peer address; X-Forwarded-For is ignored
//   n (a whole number, 1..=16)       n proxies of yours append to X-Forwarded-For: the address
//                                    the outermost of them saw (n-th entry from the right, with
//                                    the socket's address last)
//   (req) => string | undefined      your own rule
// Never the leftmost X-Forwarded-For entry by default: any client can write it.

const MAX_FORWARDED = 4096; // bytes of X-Forwarded-For read
const MAX_ENTRIES = 32;
const MAX_AGENT = 1024; // the core reads no more of User-Agent

function configError(message) {
  return Object.assign(new Error(message), { code: 'config_invalid' });
}

/** Checks a `trustProxy` option once, at set-up. */
export function checkTrustProxy(trustProxy) {
  if (trustProxy === undefined || trustProxy === false || typeof trustProxy === 'function') return;
  if (!Number.isInteger(trustProxy) || trustProxy < 0 || trustProxy > 16) {
    throw configError('trustProxy is false, a number of proxies (0..=16), or a function (req) => ip');
  }
}

/** The client address by the `trustProxy` rule, or undefined. */
export function clientIp(req, { socketAddress, forwardedFor }, trustProxy) {
  if (typeof trustProxy === 'function') {
    const ip = trustProxy(req);
    return typeof ip === 'string' && ip !== '' ? ip : undefined;
  }
  const hops = trustProxy || 0;
  const chain = [];
  if (hops > 0 && typeof forwardedFor === 'string') {
    for (const part of forwardedFor.slice(0, MAX_FORWARDED).split(',').slice(-MAX_ENTRIES)) {
      const ip = part.trim();
      if (ip) chain.push(ip);
    }
  }
  if (socketAddress) chain.push(socketAddress);
  if (chain.length === 0) return undefined;
  return chain[Math.max(0, chain.length - 1 - hops)];
}

/** The `client` the core takes: `{ip, userAgent, country, colo}`, each a bounded string or absent. */
export function clientOf(ip, userAgent, cf) {
  const out = {};
  // The core checks the address; what is plainly not one (a proxy's junk) is dropped here, so it
  // cannot fail the call.
  if (typeof ip === 'string' && ip.length <= 45 && /^[0-9A-Fa-f:.]+$/.test(ip) && /[.:]/.test(ip)) out.ip = ip;
  if (typeof userAgent === 'string') out.userAgent = userAgent.slice(0, MAX_AGENT);
  if (cf && typeof cf === 'object') {
    if (typeof cf.country === 'string' && cf.country.length <= 8) out.country = cf.country;
    if (typeof cf.colo === 'string' && cf.colo.length <= 8) out.colo = cf.colo;
  }
  return out;
}
