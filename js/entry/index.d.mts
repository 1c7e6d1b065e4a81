// Types of `import ... from 'edge-session'` in Node ESM: the declarations of
// index.d.ts, and a default export that is the module itself, callable as `init()`.
import type { EdgeSessionModule } from './index.js';

export * from './index.js';
declare const _default: EdgeSessionModule;
export default _default;
