// js/README.md "Browsers", ported to TypeScript: the web entry's default export is init.
import init, { Ring, Keyring, initSync } from 'edge-session/web';
import auto from 'edge-session/auto';

await init();
const ring = Ring.fromJSON({ shards: [{ name: 'a' }] });
console.log(ring.locate('alice'), typeof Keyring.fromJSON, typeof initSync, auto === init);
