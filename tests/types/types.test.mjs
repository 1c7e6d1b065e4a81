// Type tests: `tsc --strict` over TypeScript ports of the js/README examples (and a few more
// files), against the built package (pkg/) as a project sees it in node_modules, in both module
// modes: NodeNext (.mts files are ESM, .cts CommonJS) and classic CommonJS resolution (node10,
// which reads the top-level `types`). Each `@ts-expect-error` line must still be an error.
// The project lives in target/types-app and tsc runs incrementally: its build info (kept between
// runs) records a hash of every file it read, the package's declarations and @types included, so
// a run after no change re-checks nothing and any changed file is checked again.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const SOURCES = readdirSync(HERE).filter((f) => /\.(mts|cts)$/.test(f));
let dir;

before(() => {
  assert.ok(existsSync(join(ROOT, 'pkg/index.d.mts')), 'the package is built (bash scripts/build-pkg.sh)');
  dir = join(ROOT, 'target/types-app');
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (!f.endsWith('.tsbuildinfo')) rmSync(join(dir, f), { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'pkg'), join(dir, 'node_modules/edge-session'));
  for (const dep of ['@types', 'hono', 'express']) symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'types-app', private: true }));
  for (const f of SOURCES) copyFileSync(join(HERE, f), join(dir, f));
});

async function tsc(name, compilerOptions, files) {
  const config = join(dir, `tsconfig.${name}.json`);
  writeFileSync(config, JSON.stringify({
    compilerOptions: { incremental: true, tsBuildInfoFile: `${name}.tsbuildinfo`, strict: true, noEmit: true, target: 'es2022', lib: ['es2022'], types: ['node'], skipLibCheck: false, ...compilerOptions },
    files,
  }));
  await promisify(execFile)(process.execPath, [TSC, '-p', config], { cwd: dir, timeout: 120_000 })
    .catch((e) => assert.fail(`tsc (${name}):\n${e.stdout}${e.stderr}`));
}

test('every js/README example has a TypeScript port here', () => {
  const readme = readFileSync(join(ROOT, 'js/README.md'), 'utf8');
  const names = [...readme.matchAll(/```js\n\/\/ file: (\S+)\.mjs\n/g)].map((m) => m[1]);
  assert.ok(names.length >= 6, names.join());
  for (const n of names) assert.ok(SOURCES.includes(`${n}.mts`), `tests/types/${n}.mts ports the README's ${n}.mjs`);
});

describe('tsc --strict', { concurrency: true }, () => {
  test('NodeNext: ESM ports (.mts) and CommonJS (.cts)', async () => {
    await tsc('nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, SOURCES);
  });

  test('CommonJS with classic resolution (top-level types)', async () => {
    await tsc('commonjs', { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }, ['cjs.cts']);
  });
});

// The API is declared in Rust (src/js); the hand-written declarations refine its types. Both must
// name the same classes, members and functions: a method added in Rust and not declared here (or
// declared here and gone from Rust) fails this test. wasm-bindgen's generated declarations are
// read with the TypeScript compiler's parser.
test('the generated declarations (src/js) and the hand-written ones name the same API', async () => {
  const ts = (await import(join(ROOT, 'node_modules/typescript/lib/typescript.js'))).default;
  const surface = (file) => {
    const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const out = new Map();
    // Interfaces merged into a class of the same name (and what they extend) add its members.
    const ifaces = new Map(src.statements.filter((s) => ts.isInterfaceDeclaration(s)).map((s) => [s.name.text, s]));
    const merged = (name, seen = new Set()) => {
      const i = ifaces.get(name);
      if (!i || seen.has(name)) return [];
      seen.add(name);
      const up = (i.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(src)));
      return [...i.members, ...up.flatMap((u) => merged(u, seen))];
    };
    const isPublic = (m) => !(ts.getCombinedModifierFlags(m) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
    for (const s of src.statements) {
      if (ts.isClassDeclaration(s) && s.name) {
        const members = [...s.members, ...merged(s.name.text)]
          .filter((m) => m.name && !ts.isComputedPropertyName(m.name) && isPublic(m))
          .map((m) => {
            const isStatic = (ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static) !== 0;
            const params = m.parameters ? `/${m.parameters.length}` : '';
            return `${isStatic ? 'static ' : ''}${m.name.text}${params}`;
          });
        out.set(`class ${s.name.text}`, [...new Set(members)].sort());
      } else if (ts.isFunctionDeclaration(s) && s.name) {
        out.set(`function ${s.name.text}`, [`/${s.parameters.length}`]);
      }
    }
    return out;
  };
  const generated = surface(join(ROOT, 'pkg/node/edge_session.d.ts'));
  const hand = surface(join(ROOT, 'pkg/index.d.ts'));
  assert.ok(generated.size >= 9, [...generated.keys()].join());
  for (const [name, members] of generated) {
    assert.ok(hand.has(name), `${name} is exported by src/js but not declared in js/entry/index.d.ts`);
    assert.deepEqual(hand.get(name), members, `${name}: js/entry/index.d.ts and src/js disagree`);
  }
  // The lite build (src/lite/wasm.rs) against js/entry/lite-index.d.ts, both ways.
  const liteGenerated = surface(join(ROOT, 'pkg/lite/edge_session_lite.d.ts'));
  const liteHand = surface(join(ROOT, 'pkg/lite/index.d.ts'));
  for (const name of ['class Keyring', 'class Ring', 'function position', 'function version']) {
    assert.ok(liteGenerated.has(name), `${name} is exported by src/lite/wasm.rs`);
  }
  for (const [name, members] of liteGenerated) {
    if (name === 'function initSync' || name === 'function __wbg_init') continue; // the loader, declared by hand
    assert.ok(liteHand.has(name), `${name} is exported by src/lite/wasm.rs but not declared in js/entry/lite-index.d.ts`);
    assert.deepEqual(liteHand.get(name), members, `${name}: js/entry/lite-index.d.ts and src/lite/wasm.rs disagree`);
  }
  for (const name of liteHand.keys()) {
    if (['function init', 'function initSync'].includes(name)) continue;
    assert.ok(liteGenerated.has(name), `${name} is declared in js/entry/lite-index.d.ts but not exported by src/lite/wasm.rs`);
  }
  for (const name of ['class Keyring', 'class Ring', 'class SessionManager', 'class MemoryStore']) {
    assert.ok(generated.has(name), `${name} is exported by src/js`);
  }
});
