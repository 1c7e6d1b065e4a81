// Small guards the generated bindings cannot express: coded errors where wasm-bindgen itself
// would throw an uncoded one (class-typed arguments).
import { codedError } from './errors.mjs';

/** Applies the guards to the wasm-bindgen exports (once). */
export function patchCore(core) {
  const { Ring } = core;
  const moved = Ring.movedFraction;
  if (moved.patched) return core;
  const guarded = function movedFraction(a, b) {
    if (!(a instanceof Ring) || !(b instanceof Ring)) {
      throw codedError('invalid_input', 'invalid input: Ring.movedFraction takes two Rings');
    }
    return moved.call(Ring, a, b);
  };
  guarded.patched = true;
  Ring.movedFraction = guarded;
  return core;
}
