// Types of the `edge-session` package (Node and browsers).

/** Every error thrown or rejected by edge-session: an `Error` with a stable `code`. */
export interface EdgeSessionError extends Error {
  /** e.g. `invalid_token`, `session_not_found`, `session_expired`, `version_conflict`,
   * `invalid_input`, `data_too_large`, `store_unavailable`, `ring_unknown_shard`, `keyring_*`,
   * `cookie_*`, `policy_invalid`, `config_invalid`, `store_timeout`, `object_freed`, `seal_*`,
   * `rate_limited`. */
  code: string;
  /** HTTP status for session errors (401, 400, 412, 413, 409, 503, 500). */
  status?: number;
  /** On `version_conflict`: the version currently stored. */
  currentVersion?: number;
  /** On `rate_limited` (429): seconds until a sign-in is allowed again (send it as `Retry-After`). */
  retryAfter?: number;
  /** On `store_unavailable`: `timeout`, `connection`, `quorum_failed`, ... */
  reason?: string;
}

/** What a key may do: `primary` signs (exactly one), `verify` only verifies, `retired` is refused. */
export type KeyState = 'primary' | 'verify' | 'retired';

/** One key of a keyring. `secret`: base64 of at least 32 bytes. */
export interface KeyJSON {
  kid: string;
  secret: string;
  state: KeyState;
}

/**
 * A key as input: like `KeyJSON`, but `state` also takes a plain `string`, so a key list
 * declared without a type (`const keys = [{..., state: 'primary'}]`, whose `state` TypeScript
 * widens to `string`) is accepted; editors still offer the three states. Any other state
 * throws `keyring_*` at run time.
 */
export interface KeyInput {
  readonly kid: string;
  readonly secret: string;
  readonly state: KeyState | (string & {});
}

/** What a token says (times in unix seconds; sessionId and payload in base64url). */
export interface Claims {
  sessionId: string;
  shard: string;
  epoch: number;
  issuedAt: number;
  expiresAt: number;
  payload?: string;
}

/** Claims of a verified token, with the kid that signed it. */
export interface VerifiedClaims extends Required<Claims> {
  kid: string;
}

/** HMAC keys: one signs, others verify, retired ones are refused. */
export class Keyring {
  private constructor();
  /** From JSON text or `[{kid, secret, state}]`. Throws `keyring_*`. */
  static fromJSON(json: string | readonly KeyInput[]): Keyring;
  readonly primaryKid: string;
  /** Signs claims with the primary key. */
  sign(claims: Claims): string;
  /** Verifies at `nowSeconds` (default: now). Throws `invalid_token` (status 401); a bad `nowSeconds` throws `invalid_input`. */
  verify(token: string, nowSeconds?: number): VerifiedClaims;
  /**
   * Like `verify`, but an invalid token (for any reason) gives `null` instead of throwing:
   * the fast path for authenticating requests, where building an `Error` would cost more
   * than the MAC. A bad `nowSeconds` still throws `invalid_input`.
   */
  tryVerify(token: string, nowSeconds?: number): VerifiedClaims | null;
  /**
   * Seals claims with the primary key: the payload (at most 2040 bytes) is encrypted
   * (XChaCha20-Poly1305, a fresh random nonce), every field authenticated. Throws
   * `seal_payload_too_large` (status 413).
   */
  seal(claims: Claims): string;
  /**
   * Opens a sealed token at `nowSeconds` (default: now), the payload decrypted. Throws (status
   * 401) `seal_tampered`, `seal_unknown_key`, `seal_expired`, `seal_malformed` or `seal_too_large`.
   */
  unseal(token: string, nowSeconds?: number): VerifiedClaims;
  /**
   * Stateless sessions (iron-session style): seals any JSON value (at most 2040 bytes as JSON)
   * into a token valid for `ttl` seconds (default 14 days) from `now` (default: the clock).
   */
  sealData(data: unknown, options?: { ttl?: number; now?: number }): string;
  /** Opens a `sealData` token and returns its data; throws the `seal_*` codes of `unseal`. */
  unsealData<T = unknown>(token: string, options?: { now?: number }): T;
  kids(): { kid: string; state: KeyState }[];
  free(): void;
}

export interface ShardSpec {
  name: string;
  weight?: number;
}

export type RingStep =
  | { init: ShardSpec[] }
  | { add: ShardSpec }
  | { remove: string }
  | { set_weight: Required<ShardSpec> };

/** A ring configuration: its whole history (`epoch` = number of steps). */
export interface RingJSON {
  epoch: number;
  steps: RingStep[];
}

export interface Share {
  name: string;
  weight: number;
  /** owned / 2^64, for display. */
  fraction: number;
  /** Exact owned hash space, a decimal string (numerator over 2^64). */
  owned: string;
}

export interface RingArc {
  shard: string;
  /** Decimal strings (u64 / up to 2^64). */
  start: string;
  len: string;
  startFraction: number;
  lenFraction: number;
}

/** The consistent-hash ring (same placements on every runtime). */
export class Ring {
  /** `version`: the placement rule, 1 (default) or 2 (bounded arcs); see the ring docs. */
  constructor(shards: ShardSpec[], version?: 1 | 2);
  static fromJSON(json: string | RingJSON | { shards: ShardSpec[] }): Ring;
  /** Fraction of the hash space whose owner differs between a and b. */
  static movedFraction(a: Ring, b: Ring): number;
  toJSON(): RingJSON;
  add(shard: ShardSpec): void;
  remove(name: string): void;
  setWeight(name: string, weight: number): void;
  readonly epoch: number;
  /** The placement rule: 1 or 2. */
  readonly version: number;
  /** The snapshot form of the configuration, as JSON text (`Ring.fromJSON` loads it without replaying the history). */
  snapshotJSON(): string;
  readonly shards: Required<ShardSpec>[];
  /** `ring.locate(key)`: the shard owning `key` (a string of at most 65536 characters, hashed as UTF-8); throws `invalid_input` otherwise. A function bound to this ring (it may be passed around; it throws `object_freed` once the ring is freed). */
  readonly locate: (key: string) => string;
  /** xxh3_64(key) as a decimal string. */
  position(key: string): string;
  preferenceList(key: string, n: number): string[];
  shares(): Share[];
  arcs(): RingArc[];
  clone(): Ring;
  atEpoch(epoch: number): Ring;
  free(): void;
}

/**
 * Session data: any JSON object. Type parameters take any object type (`interface`s included,
 * which do not satisfy `Record<string, unknown>`); the default is `SessionData`.
 */
export type SessionData = Record<string, unknown>;

/** A session as the application sees it. `id` is the public storage hash (safe to list). */
export interface Session<D extends object = SessionData> {
  id: string;
  user: string;
  device: string;
  data: D;
  version: number;
  createdAt: number;
  lastSeen: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  expiresAt: number;
  shard: string;
  epoch: number;
  /** "Remember me": false means a browser-session cookie (no Max-Age), kept through rotation. */
  persistent: boolean;
  /** When the user last signed in or re-authenticated (unix seconds); rotation keeps it. */
  authenticatedAt: number;
  /** Where the sign-in came from (empty strings: unknown). */
  client: ClientDetails;
}

/** The device details a session keeps: what "where you're signed in" shows. */
export interface ClientDetails {
  /** The client's IP, canonical (`203.0.113.7`, `2001:db8::1`). */
  ip: string;
  /** Browser and OS, e.g. `Firefox on Linux` (no versions). */
  agent: string;
  /** Country code (on Workers: `request.cf.country`). */
  country: string;
  /** Cloudflare data centre (on Workers: `request.cf.colo`). */
  colo: string;
}

/**
 * A request's client as the manager takes it: the raw values (`userAgent` is the header;
 * only its browser and OS are kept). A malformed one rejects with `invalid_input`.
 */
export interface RequestClient {
  ip?: string;
  userAgent?: string;
  country?: string;
  colo?: string;
}

/** A record as a store keeps it (`data` is JSON text; times in unix seconds). */
export interface StoreRecord {
  idHash: string;
  user: string;
  device: string;
  data: string;
  version: number;
  createdAt: number;
  lastSeen: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  /** The earlier of the two deadlines, written by the core: index, expire and filter by it. */
  expiresAt: number;
  shard: string;
  epoch: number;
  /** Written by the core; records stored before "remember me" lack it (read as true). */
  persistent?: boolean;
  /** Written by the core; records stored before freshness lack it (read as createdAt). */
  authenticatedAt?: number;
  /**
   * The old record of a rotation inside its grace window: the successor's idHash (null
   * otherwise). Stores keep it as given; the core never lists such a record.
   */
  successor?: string | null;
  /** Written by the core; records stored before device details lack it (read as unknown). */
  client?: ClientDetails;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * The store interface. Rejections carry `code`: `version_conflict` (+ `currentVersion`),
 * `session_not_found`, `session_exists`, `store_corrupt`, or `store_unavailable` (+ `reason`).
 */
export interface SessionStore {
  /** The live record (never one expired at `now`), or null. */
  get(idHash: string, now: number): MaybePromise<StoreRecord | null | undefined>;
  /** Inserts; `session_exists` if taken. */
  create(record: StoreRecord): MaybePromise<void>;
  /** Replaces if the stored version is `expectedVersion`; atomic. */
  compareAndSet(record: StoreRecord, expectedVersion: number): MaybePromise<void>;
  /** Moves lastSeen / idleExpiresAt forward only; version unchanged. */
  touch(idHash: string, lastSeen: number, idleExpiresAt: number): MaybePromise<void>;
  /** Rotation: removes `oldIdHash` (at `expectedVersion`) and inserts `record`, atomically. */
  replace(oldIdHash: string, expectedVersion: number, record: StoreRecord): MaybePromise<void>;
  /** true if there was a record. */
  delete(idHash: string): MaybePromise<boolean>;
  /** Live records of `user`: the oldest `limit` (by createdAt, then idHash). */
  listByUser(user: string, now: number, limit: number): MaybePromise<StoreRecord[]>;
  /** Deletes every record of `user`; returns how many. */
  deleteByUser(user: string): MaybePromise<number>;
  /** Purges records expired at `now`; returns how many. */
  expire(now: number): MaybePromise<number>;
  /**
   * Optional, with `putBucket`: the sign-in rate-limit bucket under `key` (the text `putBucket`
   * stored), or null. A store without both keeps no buckets and its sign-ins are not rate limited.
   */
  getBucket?(key: string, now: number): MaybePromise<string | null | undefined>;
  /** Optional: keep the bucket text `state` under `key` until `expiresAt` (unix seconds; `now` is the manager's clock). */
  putBucket?(key: string, state: string, expiresAt: number, now: number): MaybePromise<unknown>;
}

/** Picks the store of a shard. */
export type StoreRouter = (shard: string) => SessionStore;

export interface Policy {
  /** Seconds of inactivity before a session ends (default 1800). */
  idleTimeout?: number;
  /** Hard cap in seconds from sign-in (default 43200). */
  absoluteLifetime?: number;
  /** Reads write lastSeen back at most this often (default 60). */
  touchInterval?: number;
  /** Largest data JSON, bytes (default 4096, at most 65536). */
  maxDataBytes?: number;
  /** Most sessions per user; more end the least recently used (default 32). */
  maxSessionsPerUser?: number;
  /** Seconds the old token of a rotation still authenticates, as its successor (default 30, at most 300; 0: none). */
  rotationGrace?: number;
  /** Sign-ins one user may make in a burst (default 20, at most 10000; 0: no per-user limit). */
  signinUserBurst?: number;
  /** Seconds until a user's bucket gains one more sign-in (default 15, 1 to 86400). */
  signinUserRefill?: number;
  /** Sign-ins one client IP (`create({ip})`) may make in a burst per shard (default 100, at most 10000; 0: none). */
  signinIpBurst?: number;
  /** Seconds until an IP's bucket gains one more sign-in (default 1, 1 to 86400). */
  signinIpRefill?: number;
  /** Refuse (401 `device_mismatch`) a token used from another network than its sign-in's (IPv4 address, IPv6 /64). */
  bindIp?: boolean;
  /** Refuse (401 `device_mismatch`) a token used from another browser or OS than its sign-in's. */
  bindUa?: boolean;
  /** Days every end of a session stays in the user's history (default 30, at most 366; 0: none kept). */
  historyDays?: number;
  /** Most tombstones kept per user, the newest (default 20, at most 100). */
  historyMax?: number;
}

/** Why a session ended. */
export type EndReason = 'signed_out' | 'revoked' | 'revoked_all' | 'admin' | 'rotated' | 'evicted' | 'expired';

/** A tombstone: one ended session, as `history(user)` lists it. */
export interface EndedSession {
  /** The session's id (as it was listed). */
  id: string;
  device: string;
  client: ClientDetails;
  createdAt: number;
  endedAt: number;
  reason: EndReason;
}

/** What `onEvent` receives: a sign-in from a device the user has not used, or a revocation. */
export type SessionEvent =
  | { type: 'new_device'; user: string; id: string; device: string; client: ClientDetails; at: number }
  | { type: 'session_ended'; user: string; ended: EndedSession };

export interface SessionManagerOptions {
  /** Keyring JSON (text or `[{kid, secret, state}]`). */
  keys: string | readonly KeyInput[];
  /** A Ring, its JSON, `{shards}` or `[{name, weight}]`. */
  ring: Ring | RingJSON | string | ShardSpec[] | { shards: ShardSpec[] };
  policy?: Policy;
  /** One store for every shard, or `shard => store`. */
  store: SessionStore | StoreRouter;
  /** Called with every event, after the store call that caused it; what it throws or rejects with is ignored. */
  onEvent?: (event: SessionEvent) => unknown;
  /** Unix seconds (function or fixed number); default `Date.now() / 1000`. */
  now?: (() => number) | number;
  /** Deadline of one store call in ms (default 10000, 1 to 600000); a miss is `store_timeout`. */
  storeTimeout?: number;
}

export interface Issued<D extends object = SessionData> {
  /** The cookie value: a bearer secret, never log it. */
  token: string;
  session: Session<D>;
  /** Seconds the cookie should live; null for a browser-session cookie (`persistent: false`). */
  maxAge: number | null;
}

/** Sessions over a store, with the lifecycle rules of the Rust core. */
export class SessionManager {
  constructor(options: SessionManagerOptions);
  readonly policy: Required<Policy>;
  /** The shard a new session of `user` goes to. */
  shardFor(user: string): string;
  /**
   * Signs in. `persistent: false` ("remember me" off) gives a browser-session cookie. `ip` (the
   * client's address, e.g. Express's `req.ip`; default: `client.ip`) also charges that IP's
   * sign-in bucket. Past the policy's limits it rejects with `rate_limited` (status 429,
   * `retryAfter` seconds); stores without `getBucket`/`putBucket` are not rate limited.
   */
  create<D extends object = SessionData>(input: { user: string; device?: string; data?: D; persistent?: boolean; client?: RequestClient; ip?: string }): Promise<Issued<D>>;
  /**
   * With `{maxAuthAge}` (seconds): rejects with `reauth_required` (401) unless the user authenticated at most that long ago.
   * `client`: the request's, compared by `bindIp` / `bindUa` (401 `device_mismatch`); the token calls below take it too.
   */
  authenticate<D extends object = SessionData>(token: string, opts?: { maxAuthAge?: number; client?: RequestClient }): Promise<{
    session: Session<D>;
    touched: boolean;
    /** Set for the old token of a rotation inside the grace window: set this cookie in its place. */
    successor?: { token: string; maxAge: number | null };
  }>;
  /** After checking the user's credentials again: `authenticatedAt` now, same id and token, version bumped. */
  reauthenticate<D extends object = SessionData>(token: string, opts?: { client?: RequestClient }): Promise<Session<D>>;
  /** Rejects with `version_conflict` (+ `currentVersion`) when `version` is stale. */
  update<D extends object = SessionData>(token: string, version: number, data: D, opts?: { client?: RequestClient }): Promise<Session<D>>;
  rotate<D extends object = SessionData>(token: string, opts?: { client?: RequestClient }): Promise<Issued<D>>;
  /** Requests `bindIp` (`ip`) and `bindUa` (`agent`) refused since this manager was built. */
  readonly refusals: { ip: number; agent: number };
  destroy(token: string): Promise<void>;
  listUser(user: string): Promise<Session[]>;
  revokeUser(user: string): Promise<number>;
  /** The user's ended sessions, newest first (kept `historyDays`, at most `historyMax`). */
  history(user: string): Promise<EndedSession[]>;
  revoke(user: string, id: string): Promise<boolean>;
  free(): void;
}

export interface CookieOptions {
  /** Base name (default "session"). */
  name?: string;
  /**
   * The name prefix: `auto` (default) is `__Host-` without a domain and `__Secure-` with one;
   * `host` with a domain throws `cookie_host_prefix_domain`. Give this or `hostPrefix`.
   */
  prefix?: 'auto' | 'host' | 'secure' | 'none';
  /** `true` is `prefix: 'host'` (needs secure, path "/", no domain), `false` is `'none'`. */
  hostPrefix?: boolean;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: 'Lax' | 'Strict' | 'None';
  path?: string;
  /** Share the cookie with subdomains: a host name (at most 253 bytes); the prefix becomes `__Secure-`. */
  domain?: string;
  /** CHIPS `Partitioned` (default false; needs secure). */
  partitioned?: boolean;
}

/**
 * The Set-Cookie header value (throws `cookie_too_large` etc. instead of a dropped cookie); a
 * null or undefined `maxAge` gives a browser-session cookie (no Max-Age).
 */
export function setCookie(token: string, maxAge: number | null | undefined, opts?: CookieOptions): string;
export function clearCookie(opts?: CookieOptions): string;
/** The cookie's value in a Cookie header, or undefined. */
export function readCookie(header: string | undefined | null, opts?: CookieOptions): string | undefined;
/** Runs the core's store conformance suite; resolves to the number of checks passed. */
export function runConformance(store: SessionStore, tag: string): Promise<number>;
export function version(): string;
/** Loads the wasm (browsers); a no-op in Node. Idempotent. */
export function init(input?: unknown): Promise<unknown>;

/** The store interface as the package's own stores offer it: every call returns a Promise, and
 * `listByUser`'s limit defaults to the policy cap. Merged into {@link MemoryStore} and {@link KVStore}. */
export interface PromisedStore {
  get(idHash: string, now: number): Promise<StoreRecord | null>;
  create(record: StoreRecord): Promise<void>;
  compareAndSet(record: StoreRecord, expectedVersion: number): Promise<void>;
  touch(idHash: string, lastSeen: number, idleExpiresAt: number): Promise<void>;
  replace(oldIdHash: string, expectedVersion: number, record: StoreRecord): Promise<void>;
  delete(idHash: string): Promise<boolean>;
  listByUser(user: string, now: number, limit?: number): Promise<StoreRecord[]>;
  deleteByUser(user: string): Promise<number>;
}

/** The core's in-memory store, with the store interface (one process, one Map). */
export class MemoryStore implements SessionStore {
  readonly size: number;
  getBucket(key: string, now: number): Promise<string | null>;
  putBucket(key: string, state: string, expiresAt: number): Promise<void>;
  expire(now: number): Promise<number>;
  /** Releases the wasm memory behind the store. */
  free(): void;
}
export interface MemoryStore extends PromisedStore {}

export interface RedisStoreOptions {
  /** Replicas per shard (default 1): the shard's server, then the next of the ring's preference list. */
  replicas?: number;
  /** Servers that must acknowledge a write (default 1, at most replicas; `strict` raises it to a majority). */
  writeQuorum?: number;
  /**
   * `available` (default): writes need `writeQuorum` servers, reads answer from the first copy
   * found. `strict`: writes and reads need a majority of the replicas (refused, never stale).
   */
  consistency?: 'available' | 'strict';
  /** Ms a read (or write) that has what it needs waits for the other replicas (default 10). */
  hedge?: number;
  /** Seconds a tombstone lives when no copy of the deleted record tells its TTL (default 86400). */
  tombstoneTtl?: number;
  /** The ring (needed when replicas > 1). */
  ring?: { preferenceList(key: string, n: number): string[] };
  /** Key prefix (default "es:"). */
  prefix?: string;
  /** Deadline of every command, ms (default 1000). */
  commandTimeout?: number;
  /** Seconds a record outlives its expiry in Redis (default 60). */
  grace?: number;
}

/** What one `repair()` did. */
export interface RepairStats {
  /** Servers scanned. */
  servers: number;
  /** Keys (records and tombstones) scanned. */
  scanned: number;
  /** Copies written to replicas that missed them or held older ones. */
  copied: number;
}

/** Sessions in several Redis servers (Node only), one per shard name. */
export class RedisStore {
  constructor(options: RedisStoreOptions & { clients: Record<string, unknown> });
  /** Connects to `servers` ({shard name: redis URL}). */
  static connect(
    options: RedisStoreOptions & { servers: Record<string, string>; connectTimeout?: number; createClient?: unknown },
  ): Promise<RedisStore>;
  /** The store of one shard. */
  shard(name: string): SessionStore;
  /** Copies every record and tombstone to every replica of its shard (also run when a server reconnects). */
  repair(options?: { batch?: number }): Promise<RepairStats>;
  /** Counts of the last repair, or null before the first. */
  readonly lastRepair: RepairStats | null;
  /** Resolves once background work (read repair, catch-up copies, aborts, repairs) has finished. */
  idle(): Promise<void>;
  /** `shard => store`, for `new SessionManager({store: redis.router()})`. */
  router(): StoreRouter;
  close(): Promise<void>;
}

/** A Workers KV binding, as much of it as `KVStore` uses (Cloudflare's `KVNamespace` fits). */
export interface KVNamespaceLike {
  get(key: string, type: 'text'): Promise<string | null>;
  put(key: string, value: string, options?: { expiration?: number; expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options?: { prefix?: string; limit?: number; cursor?: string }): Promise<{
    keys: { name: string }[];
    list_complete: boolean;
    cursor?: string;
  }>;
}

/**
 * Sessions in Workers KV. Eventually consistent (a write or a sign-out can take about 60 s to
 * be seen in other locations), no compare-and-set (two writers at the same moment can both
 * pass the version check: the later write wins), one write per second per key. The README
 * says what the versioned update can and cannot promise over it.
 */
export class KVStore implements SessionStore {
  /** `new KVStore(env.SESSIONS_KV, {prefix?})`; throws `config_invalid` without a binding. */
  constructor(kv: KVNamespaceLike, options?: { prefix?: string });
  /** Always 0: KV purges expired keys itself, and reads hide expired records. */
  expire(now: number): Promise<number>;
}
export interface KVStore extends PromisedStore {}

/** The session verbs, shared by the Express request helpers and the Hono context variables. */
export interface SessionVerbs {
  /**
   * Signs in (ending the current session, if any) and sets the cookie. `persistent: false`
   * ("remember me" off): a browser-session cookie (no Max-Age), kept through rotation.
   */
  signIn<D extends object = SessionData>(input: { user: string; device?: string; data?: D; persistent?: boolean }): Promise<Session<D>>;
  /**
   * Saves new data over the version read (or `expectedVersion`, e.g. from `If-Match`);
   * rejects with `version_conflict` (412) when it is stale, `invalid_token` (401) without a session.
   */
  saveSession<D extends object = SessionData>(data: D, expectedVersion?: number): Promise<Session<D>>;
  /** New id and cookie, same data (call it after a privilege change). */
  rotateSession<D extends object = SessionData>(): Promise<Session<D>>;
  /** For a sensitive action: rejects with `reauth_required` (401) unless the user authenticated at most `maxAuthAge` seconds ago. */
  requireFresh<D extends object = SessionData>(maxAuthAge: number): Promise<Session<D>>;
  /** After checking the user's credentials again: the session is fresh, same id and cookie. */
  reauthenticate<D extends object = SessionData>(): Promise<Session<D>>;
  /** Ends the session and clears the cookie. */
  signOut(): Promise<void>;
  /** The user's ended sessions, newest first (`manager.history(user)`); `invalid_token` (401) without a session. */
  sessionHistory(): Promise<EndedSession[]>;
}

/** Request helpers set by `edgeSession()`. */
export interface EdgeSessionRequest extends SessionVerbs {
  /** The live session, or null. */
  session: Session | null;
}

declare global {
  namespace Express {
    /** `req.session`, `req.signIn`, ...: set by `edgeSession()`. */
    interface Request extends EdgeSessionRequest {}
  }
}

/** Express / connect middleware: sets `req.session` and the helpers (Node only). */
export function edgeSession(options: {
  manager: SessionManager;
  cookie?: CookieOptions;
  /**
   * Whose address is the client's: 0 (default) the socket's peer, never X-Forwarded-For; n: n
   * proxies of yours append to X-Forwarded-For (the n-th entry from the right); or your function.
   */
  trustProxy?: number | false | ((req: any) => string | undefined);
}): (req: any, res: any, next: (err?: unknown) => void) => Promise<void>;

/**
 * Context variables set by `honoSession()`: `c.get('session')`, `c.get('signIn')`, ... Declare
 * them on the app: `new Hono<{ Variables: EdgeSessionVariables }>()`.
 */
export interface EdgeSessionVariables extends SessionVerbs {
  session: Session | null;
}

/**
 * Hono middleware (Workers, Deno, Bun, Node): sets the `EdgeSessionVariables`. `manager` is a
 * SessionManager or `(c) => SessionManager` (in a Worker, built from `c.env`). Errors are
 * thrown to Hono with `code` and `status`: `app.onError(honoOnError)`.
 */
export function honoSession(options: {
  manager: SessionManager | ((c: any) => SessionManager);
  cookie?: CookieOptions;
  /** As for `edgeSession`; on Workers the default is `CF-Connecting-IP` (with `request.cf`'s country and colo). */
  trustProxy?: number | false | ((c: any) => string | undefined);
}): (c: any, next: () => Promise<void>) => Promise<void>;

/**
 * For `app.onError`: `{error: {code}}` with the error's `status` (500 and `internal_error`
 * without them); Hono's own HTTPExceptions answer as they would. Returns a `Response`.
 */
export function honoOnError(err: unknown, c: any): any;

/** Who the gateway says the user is, as `verifyGatewayHeaders` returns it. */
export interface GatewayIdentity {
  /** The user id (decoded from `Edge-Session-User`). */
  user: string;
  /** The session's id hash (as in the session API). */
  id: string;
  shard: string;
  version: number;
  /** When the session expires (unix seconds). */
  expires: number;
  /** The gateway key that signed. */
  kid: string;
  /** When the gateway signed (unix seconds). */
  timestamp: number;
}

/** What `GatewayKeys.sign` takes. */
export interface GatewayIdentityInput {
  user: string;
  id: string;
  shard: string;
  version: number;
  expires: number;
}

/** The gateway keyring (`GATEWAY_KEYS`): the same JSON and rules as `Keyring`, its own MAC label. */
export class GatewayKeys {
  private constructor();
  /** From JSON text or `[{kid, secret, state}]`. Throws `keyring_*`. */
  static fromJSON(json: string | readonly KeyInput[]): GatewayKeys;
  readonly primaryKid: string;
  /**
   * The six `Edge-Session-*` headers for `method` + `target` (path and query), signed with the
   * primary key at `nowSeconds` (default: now). Throws `gateway_header_invalid`.
   */
  sign(method: string, target: string, identity: GatewayIdentityInput, nowSeconds?: number): Record<string, string>;
  free(): void;
}

/** A fetch `Request` or a Node `IncomingMessage` (method, url, headers). */
export interface GatewayRequestLike {
  method: string;
  /** An absolute URL (fetch) or the request target `/path?query` (Node). */
  url: string;
  headers: { get(name: string): string | null } | Record<string, string | string[] | undefined>;
}

export interface GatewayVerifyOptions {
  /** `GATEWAY_KEYS` of the gateway: JSON text, `[{kid, secret, state}]` or a `GatewayKeys`. */
  keys: string | readonly KeyInput[] | GatewayKeys;
  /** Most seconds the signature's timestamp may be from `now`, either way (default 60, at most 3600). */
  maxSkew?: number;
  /** Unix seconds (default: now). */
  now?: number;
  /** The request method, when the first argument is only headers. */
  method?: string;
  /** The request target `/path?query` as received, when the first argument is only headers. */
  path?: string;
}

/**
 * Checks the gateway's identity headers: the identity, `null` when the request carries none
 * (anonymous), or throws `gateway_header_missing`, `gateway_header_invalid`,
 * `gateway_unknown_key`, `gateway_timestamp_skew` or `gateway_signature_invalid`.
 */
export function verifyGatewayHeaders(
  request: GatewayRequestLike | { get(name: string): string | null } | Record<string, string | string[] | undefined>,
  options: GatewayVerifyOptions,
): GatewayIdentity | null;

/** A service binding (`env.SESSIONS` of a Worker with `[[services]]`) to the session worker. */
export interface ServiceBindingLike {
  fetch(request: Request): Promise<Response>;
  /** The session worker's RPC method (what `sessionFromBinding` calls by default). */
  session?(credentials: { cookie: string | null; authorization: string | null }): Promise<unknown>;
}

/** Options of {@link sessionFromBinding}. */
export interface SessionFromBindingOptions {
  /** `'rpc'` (default): the worker's `session` RPC method; `'fetch'`: `GET /api/session`. */
  transport?: 'rpc' | 'fetch';
  /** Base URL of the `GET /api/session` request (`'fetch'` only); default `https://edge-session`. */
  base?: string;
  /** Receives the successor's `Set-Cookie` value when an old token in its rotation grace window was used. */
  onSetCookie?: (value: string) => void;
}

/**
 * The session of `request` (its cookie or Bearer token), asked of the bound session worker
 * in one call (JS RPC by default, or one `GET /api/session`); `null` when there is none or it
 * is not valid. Other answers throw an error with the worker's `code` and `status`.
 */
export function sessionFromBinding(
  binding: ServiceBindingLike,
  request: Request,
  options?: SessionFromBindingOptions,
): Promise<Session | null>;

/** The module object (`require('edge-session')`, the default import): `init`, carrying every export. */
export type EdgeSessionModule = typeof init & {
  Keyring: typeof Keyring;
  Ring: typeof Ring;
  SessionManager: typeof SessionManager;
  MemoryStore: typeof MemoryStore;
  RedisStore: typeof RedisStore;
  KVStore: typeof KVStore;
  GatewayKeys: typeof GatewayKeys;
  verifyGatewayHeaders: typeof verifyGatewayHeaders;
  sessionFromBinding: typeof sessionFromBinding;
  setCookie: typeof setCookie;
  clearCookie: typeof clearCookie;
  readCookie: typeof readCookie;
  runConformance: typeof runConformance;
  version: typeof version;
  edgeSession: typeof edgeSession;
  honoSession: typeof honoSession;
  honoOnError: typeof honoOnError;
  init: typeof init;
  default: EdgeSessionModule;
};

declare const _default: EdgeSessionModule;
export default _default;
