// Browser entry that initialises the wasm itself (top-level await).
import init from './edge_session.js';

await init();
export * from './index.js';
export { default } from './index.js';
