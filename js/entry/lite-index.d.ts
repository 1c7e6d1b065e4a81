// Types of `edge-session/lite`: token verification and ring lookups, in their own small wasm.
// The shapes are the full package's; the classes have only the members the lite build holds.
import type { KeyInput, RingArc, RingJSON, Share, ShardSpec, VerifiedClaims } from '../index.js';

export type { EdgeSessionError, KeyInput, KeyState, RingArc, RingJSON, Share, ShardSpec, VerifiedClaims } from '../index.js';

/** HMAC keys that verify tokens (signing is in the full package). */
export class Keyring {
  private constructor();
  /** From JSON text or `[{kid, secret, state}]`. Throws `keyring_*`. */
  static fromJSON(json: string | readonly KeyInput[]): Keyring;
  readonly primaryKid: string;
  /** Verifies at `nowSeconds` (default: now). Throws `invalid_token` (status 401); a bad `nowSeconds` throws `invalid_input`. */
  verify(token: string, nowSeconds?: number): VerifiedClaims;
  /** Like `verify`, but an invalid token gives `null`. A bad `nowSeconds` still throws `invalid_input`. */
  tryVerify(token: string, nowSeconds?: number): VerifiedClaims | null;
  free(): void;
}

/**
 * A ring for lookups. It loads a snapshot (`ring.snapshotJSON()` of the full package), a ring of
 * one `init` (`{shards}` or `{epoch: 1, steps: [{init}]}`) or `new Ring(shards)`; a longer
 * history is `ring_bad_config` (replaying it is the full package's job).
 */
export class Ring {
  /** `version`: the placement rule, 1 (default) or 2. */
  constructor(shards: ShardSpec[], version?: 1 | 2);
  static fromJSON(json: string | RingJSON | { shards: ShardSpec[]; version?: 1 | 2 }): Ring;
  readonly epoch: number;
  /** The placement rule: 1 or 2. */
  readonly version: number;
  readonly shards: Required<ShardSpec>[];
  /** `ring.locate(key)`: the shard owning `key` (a string of at most 65536 characters, hashed as UTF-8); throws `invalid_input` otherwise. A function bound to this ring (it may be passed around; it throws `object_freed` once the ring is freed). */
  readonly locate: (key: string) => string;
  /** xxh3_64(key) as a decimal string. */
  position(key: string): string;
  shares(): Share[];
  arcs(): RingArc[];
  free(): void;
}

/** xxh3_64(key) as a decimal string: a key's point on every ring (no ring needed). */
export function position(key: string): string;
/** The package version. */
export function version(): string;
/** Loads the wasm (browsers: fetched next to this module, or from `input`); a no-op in Node and Workers. */
export function init(input?: unknown): Promise<unknown>;
/** Loads the wasm synchronously from its bytes or a compiled module: `initSync({module})`. */
export function initSync(module: unknown): unknown;
export default init;
