// Browser entry of `edge-session/lite`: token verification and ring lookups in their own small
// wasm (no session manager, serde, cookies or stores). Call `await init()` once, or
// `initSync({module})` with the wasm's bytes or a compiled module.
export { Keyring, Ring, position, version, initSync } from './edge_session_lite.js';
export { default as init, default } from './edge_session_lite.js';
