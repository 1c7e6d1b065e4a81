// js/README.md "The ring", ported to TypeScript (verbatim).
import { Ring } from 'edge-session';

const ring = new Ring([{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }]);
const before = ring.clone();
ring.add({ name: 'c', weight: 1 });
console.log(ring.epoch, ring.locate('user-42'), ring.preferenceList('user-42', 2));
console.log(Ring.movedFraction(before, ring).toFixed(4));
console.log(ring.shares().map((s) => `${s.name}:${s.fraction.toFixed(3)}`).join(' '));
const copy = Ring.fromJSON(JSON.stringify(ring));
console.log(copy.locate('user-42') === ring.locate('user-42'));
