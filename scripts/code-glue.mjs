// Gives the two errors wasm-bindgen's generated glue throws itself a stable `code`, like every
// error of the package: `node scripts/code-glue.mjs FILE...` rewrites each glue file in place
// (idempotent; fails if the glue does not have the expected shape, e.g. after a wasm-bindgen
// upgrade, so the build stops instead of shipping uncoded errors).
// - the runtime's own throws (`__wbindgen_throw`): a call on an object after its `free()`
//   ("null pointer passed to rust") is `object_freed`; a call re-entering an object that is
//   mid-call, or a free() during one, is `object_busy`;
// - a class-typed argument of the wrong class (`_assertClass`, whose `instanceof` may throw for
//   a Proxy) is `invalid_input` (status 400).
// No API is changed here: the classes and their methods are the ones declared in src/js.
import { readFileSync, writeFileSync } from 'node:fs';

const MARK = '/* edge-session: coded runtime errors */';
const HELPER = `${MARK}
function __edgeSessionIs(instance, klass) {
    try {
        return instance instanceof klass;
    } catch {
        return false;
    }
}
function __edgeSessionCoded(message) {
    const e = new Error(message);
    if (message === 'null pointer passed to rust') {
        e.message = 'the object was freed: free() was called on it';
        e.code = 'object_freed';
    } else if (message.startsWith('recursive use of an object') || message.startsWith('attempted to take ownership')) {
        e.code = 'object_busy';
    } else {
        e.code = 'internal_error';
    }
    return e;
}
`;
// [from, to, optional]: an optional rule may find nothing (the lite glue has no class-typed
// argument, so no `_assertClass`), never more than one.
const RULES = [
  ['if (!(instance instanceof klass)) {', 'if (!__edgeSessionIs(instance, klass)) {', true],
  ['throw new Error(getStringFromWasm0(arg0, arg1));', 'throw __edgeSessionCoded(getStringFromWasm0(arg0, arg1));'],
  ['throw new Error(`expected instance of ${klass.name}`);',
    'throw Object.assign(new Error(`invalid input: expected an instance of ${klass.name}`), { code: \'invalid_input\', status: 400 });', true],
];

for (const file of process.argv.slice(2)) {
  let src = readFileSync(file, 'utf8');
  if (src.includes(MARK)) continue;
  for (const [from, to, optional] of RULES) {
    const n = src.split(from).length - 1;
    if (n === 0 && optional) continue;
    if (n !== 1) throw new Error(`${file}: expected one \`${from}\`, found ${n} (wasm-bindgen glue changed?)`);
    src = src.replace(from, to);
  }
  writeFileSync(file, `${src}\n${HELPER}`);
}
