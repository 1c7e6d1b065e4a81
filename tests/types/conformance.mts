// js/README.md "Your own store", ported to TypeScript (verbatim).
import { runConformance, MemoryStore } from 'edge-session';
console.log(await runConformance(new MemoryStore(), `check-${Date.now()}`));
