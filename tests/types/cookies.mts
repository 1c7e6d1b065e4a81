// js/README.md "Cookies", ported to TypeScript (verbatim).
import { setCookie, clearCookie, readCookie } from 'edge-session';
const token = 'AQJrMaWlpaWlpaWlpaWlpaWlpaUCczEAAAABAAAAAGlVuMQAAAAAaVXHEAAAjulrrG3xZYELbSzu_2Z_gzsdPjP7gURdrnrFeW1Nddw';
console.log(setCookie(token, 3600));
console.log(readCookie(`a=1; __Host-session=${token}`) === token);
console.log(clearCookie({ name: 'sid', hostPrefix: false, secure: false }));
console.log(setCookie('t', null));
console.log(setCookie('t', 60, { domain: 'example.com', partitioned: true }));
const refused = (() => { try { setCookie('t', 60, { domain: 'example.com', prefix: 'host' }); } catch (e) { return e as { code: string }; } })();
console.log(refused?.code);
