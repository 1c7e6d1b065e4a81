// The demo page: sign in (with "remember me"), the session with live expiry, versioned data
// edits, id rotation, a sensitive action that needs a fresh sign-in (and the re-authentication
// it asks for), devices, and the ring (live picture plus a what-if panel on the wasm core).

import * as api from './api.js';
import { loadCore, loadLite, positionOf, ringFromConfig } from './core.js';
import { colours, fractionOf, normaliseArcs, ownerAt, percent } from './ring-math.js';
import { renderRing } from './ring-view.js';
import { WhatIf } from './whatif.js';

const $ = (id) => document.getElementById(id);

/** How recent a sign-in the sensitive action demands, in seconds (`?fresh_age=` 0..3600 overrides it). */
const FRESH_AGE = (() => {
  const q = new URLSearchParams(location.search).get('fresh_age');
  return q !== null && /^\d{1,4}$/.test(q) && Number(q) <= 3600 ? Number(q) : 30;
})();
/** 401s that leave the session valid: it needs a fresh sign-in, or a backend credential. */
const SESSION_KEPT = new Set(['reauth_required', 'signin_required']);

const state = {
  session: null, // SessionView
  loadedData: '', // the editor text as last loaded from the server
  ring: null, // GET /api/ring
  lite: null, // the lean wasm module (positions), once loaded
  core: null, // wasm package module, once loaded (the what-if panel)
  liveRing: null, // wasm Ring of the live config
  timer: 0,
  signOuts: 0, // how many times the page has shown the signed-out state
};

// ---------- status and formatting ----------

function say(message, kind = 'info') {
  const s = $('status');
  s.textContent = message;
  s.dataset.kind = kind;
}

function countdown(seconds) {
  if (seconds <= 0) return 'expired';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  if (d) return `in ${d}d ${h}h ${m}m`;
  if (h) return `in ${h}h ${String(m).padStart(2, '0')}m ${sec}s`;
  return `in ${m}m ${sec}s`;
}

const clock = (unix) => new Date(unix * 1000).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
/** Short form for tables: the time alone when it is today. */
function short(unix) {
  const d = new Date(unix * 1000);
  return d.toDateString() === new Date().toDateString()
    ? d.toLocaleTimeString([], { timeStyle: 'short' })
    : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}
const iso = (unix) => new Date(unix * 1000).toISOString();

function ago(unix) {
  const s = Math.max(0, Math.round(api.serverNow() - unix));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ago`;
}

// ---------- signed-in / signed-out views ----------

function showSignedOut(message, kind = 'info') {
  state.session = null;
  state.signOuts += 1;
  clearInterval(state.timer);
  $('session').hidden = true;
  $('devices').hidden = true;
  $('signin').hidden = false;
  $('conflict').hidden = true;
  $('rotated').hidden = true;
  $('reauth').hidden = true;
  $('sensitive-ok').hidden = true;
  if (message) say(message, kind);
  renderLiveRing();
}

function showSession(view, { replaceData = true } = {}) {
  const first = !state.session;
  state.session = view;
  $('signin').hidden = true;
  $('session').hidden = false;
  $('devices').hidden = false;
  $('s-user').textContent = view.user;
  $('s-device').textContent = view.device;
  $('s-id').textContent = view.id;
  $('s-version').textContent = String(view.version);
  $('s-shard').textContent = view.shard;
  $('s-epoch').textContent = String(view.epoch);
  $('s-created').textContent = clock(view.created_at);
  $('s-from').textContent = from(view.client);
  $('s-auth-at').textContent = `(${clock(view.authenticated_at)})`;
  $('s-cookie').textContent = view.persistent
    ? 'remembered: kept until the absolute expiry'
    : 'this browser session only (no Max-Age)';
  $('s-idle').dateTime = iso(view.idle_expires_at);
  $('s-idle').title = clock(view.idle_expires_at);
  $('s-absolute').dateTime = iso(view.absolute_expires_at);
  $('s-absolute').title = clock(view.absolute_expires_at);
  const text = JSON.stringify(view.data ?? {}, null, 2);
  const editor = $('data');
  if (replaceData || editor.value === state.loadedData) editor.value = text;
  state.loadedData = text;
  tick();
  clearInterval(state.timer);
  state.timer = setInterval(tick, 1000);
  if (first) renderLiveRing();
}

let expiryCheck = false;
function tick() {
  const v = state.session;
  if (!v) return;
  const now = api.serverNow();
  $('s-idle').textContent = countdown(v.idle_expires_at - now);
  $('s-auth').textContent = ago(v.authenticated_at);
  $('s-absolute').textContent = `${countdown(v.absolute_expires_at - now)} (${clock(v.absolute_expires_at)})`;
  // At expiry ask the server once: it decides, the page only displays.
  if (Math.min(v.idle_expires_at, v.absolute_expires_at) <= now && !expiryCheck) {
    expiryCheck = true;
    api.current().then((s) => showSession(s, { replaceData: false }))
      .catch((e) => handle(e, 'Checking the session'))
      .finally(() => { expiryCheck = false; });
  }
}

/** Errors: a 401 means the session ended; anything else is reported in the status line. */
function handle(e, what) {
  if (e instanceof api.ApiError && e.status === 401 && state.session && !SESSION_KEPT.has(e.code)) {
    showSignedOut('Your session has ended (signed out elsewhere, revoked or expired). Sign in again.', 'warn');
    return;
  }
  say(`${what} failed: ${e.message}${e.code ? ` (${e.code})` : ''}`, 'error');
}

/**
 * Run `fn` with `button` disabled (no double submits), reporting errors. A 401 that arrives after
 * the page has signed out meanwhile (e.g. sign-in's device list, answered after a quick sign-out)
 * is about the session that ended, and the status line already says so: it is not reported.
 */
async function busy(button, what, fn) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  const signOuts = state.signOuts;
  try {
    await fn();
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401 && state.signOuts !== signOuts) return;
    handle(e, what);
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// ---------- devices ----------

/** Where a sign-in came from: "Firefox on Linux · 203.0.113.7 · DE (FRA)", or "unknown". */
function from(c) {
  if (!c) return 'unknown';
  const place = [c.country, c.colo && `(${c.colo})`].filter(Boolean).join(' ');
  return [c.agent, c.ip, place].filter(Boolean).join(' · ') || 'unknown';
}

async function loadDevices() {
  const list = await api.listSessions();
  const rows = list.map((s) => {
    const tr = document.createElement('tr');
    tr.dataset.id = s.id;
    if (s.current) tr.classList.add('current');
    const device = document.createElement('td');
    device.append(document.createTextNode(s.device));
    if (s.current) device.append(' ', Object.assign(document.createElement('span'), { className: 'badge', textContent: 'this device' }));
    tr.append(device);
    for (const v of [from(s.client), short(s.created_at), ago(s.last_seen), short(s.expires_at), s.shard]) {
      tr.append(Object.assign(document.createElement('td'), { textContent: v }));
    }
    const action = document.createElement('td');
    if (!s.current) {
      const b = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary small', textContent: 'Sign out' });
      b.setAttribute('aria-label', `Sign out ${s.device}`);
      b.addEventListener('click', () => busy(b, 'Signing that device out', async () => {
        await api.revoke(s.id);
        say(`Signed out ${s.device}.`);
        await loadDevices();
      }));
      action.append(b);
    }
    tr.append(action);
    return tr;
  });
  $('device-table').tBodies[0].replaceChildren(...rows);
  $('devices-h').textContent = `Your devices (${list.length})`;
  await loadHistory();
}

const REASONS = {
  signed_out: 'signed out', revoked: 'signed out from another device', revoked_all: 'signed out everywhere',
  admin: 'ended by the server', rotated: 'id rotated', evicted: 'too many sessions (least recently used)', expired: 'expired',
};

async function loadHistory() {
  const ended = await api.history();
  const rows = ended.map((e) => {
    const tr = document.createElement('tr');
    tr.dataset.reason = e.reason;
    for (const v of [e.device || '(no label)', from(e.client), short(e.ended_at), REASONS[e.reason] ?? e.reason]) {
      tr.append(Object.assign(document.createElement('td'), { textContent: v }));
    }
    return tr;
  });
  $('history-table').tBodies[0].replaceChildren(...rows);
  $('history-table').hidden = rows.length === 0;
  $('history-empty').hidden = rows.length > 0;
}

// ---------- ring ----------

function renderLiveRing() {
  const r = state.ring;
  if (!r) return;
  // The API lists at most a few thousand arcs (arcs_total counts all): then draw the wasm ring's.
  const truncated = Number.isInteger(r.arcs_total) && r.arcs_total > r.arcs.length;
  const arcs = normaliseArcs(truncated && state.liveRing ? state.liveRing.arcs() : r.arcs);
  const shares = r.shards.map((s) => ({ name: s.name, weight: s.weight, owned: BigInt(s.owned) }));
  const palette = colours(shares.map((s) => s.name));
  $('ring-epoch').textContent = String(r.epoch);

  const user = state.session?.user;
  let marker = null;
  const centre = [`epoch ${r.epoch}`, `${shares.length} shard${shares.length === 1 ? '' : 's'}`];
  const pos = $('position');
  const placer = state.lite ?? state.liveRing;
  if (user && placer) {
    const p = positionOf(placer, user);
    const f = fractionOf(p);
    const owner = ownerAt(arcs, p);
    marker = { fraction: f, label: `${user} at ${f.toFixed(4)} of the ring, on ${owner}` };
    centre.splice(1, 1, user, `on ${owner}`);
    pos.hidden = false;
    pos.textContent = `${user}'s position is ${p} of 2^64 (${f.toFixed(6)} of the way round), on ${owner}.` +
      (state.session.shard !== owner
        ? ` This session was placed on ${state.session.shard} at epoch ${state.session.epoch}; its token keeps it there.`
        : '');
  } else {
    pos.hidden = true;
  }
  renderRing($('ring-svg'), { arcs, shares, palette, marker, centre, title: `Live ring, epoch ${r.epoch}` });

  $('legend').tBodies[0].replaceChildren(...shares.map((s) => {
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    const sw = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    sw.setAttribute('viewBox', '0 0 10 10');
    sw.setAttribute('class', 'swatch');
    sw.setAttribute('aria-hidden', 'true');
    const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    for (const [k, v] of Object.entries({ width: 10, height: 10, rx: 2, fill: palette.get(s.name) })) rect.setAttribute(k, String(v));
    sw.append(rect);
    name.append(sw, document.createTextNode(s.name));
    const share = Object.assign(document.createElement('td'), { textContent: percent(fractionOf(s.owned)) });
    share.title = `${s.owned} of 2^64`;
    tr.append(name, Object.assign(document.createElement('td'), { textContent: String(s.weight) }), share);
    return tr;
  }));
}

async function loadRing() {
  state.ring = await api.ring();
  renderLiveRing();
  // The live picture needs only positions: the lean build places the marker as soon as it is
  // in; the full core (the what-if panel) downloads alongside and takes over the rest.
  const core = loadCore();
  core.catch(() => {}); // reported below
  try {
    state.lite = await loadLite();
    renderLiveRing();
  } catch {
    state.lite = null; // the full core below places the marker instead
  }
  try {
    state.core = await core;
    state.liveRing = ringFromConfig(state.core, state.ring.config);
    new WhatIf(state.core, state.liveRing, () => state.session?.user ?? null);
    renderLiveRing();
  } catch (e) {
    const p = $('whatif-unavailable');
    p.hidden = false;
    p.textContent = e.message;
    $('whatif-form').hidden = true;
  }
}

// ---------- wiring ----------

// No form ever submits natively (a plain GET would reload the page), even before its handler is ready.
for (const form of document.forms) form.addEventListener('submit', (e) => e.preventDefault());

$('signin-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const user = $('user').value.trim();
  const device = $('device').value.trim();
  if (!user || !device) {
    say(!user ? 'Enter a user name.' : 'Enter a device label.', 'error');
    (!user ? $('user') : $('device')).focus();
    return;
  }
  busy($('signin-btn'), 'Signing in', async () => {
    const view = await api.signIn(user, device, {}, $('remember').checked);
    showSession(view);
    say(`Signed in as ${view.user} on ${view.device}.`);
    $('session-h').focus();
    await loadDevices();
  });
});

$('data-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const err = $('data-error');
  let data;
  try {
    data = JSON.parse($('data').value);
  } catch (x) {
    data = undefined;
    err.textContent = `Not valid JSON: ${x.message}`;
  }
  if (data !== undefined && (data === null || typeof data !== 'object' || Array.isArray(data))) {
    data = undefined;
    err.textContent = 'The data must be a JSON object, like {"theme": "dark"}.';
  }
  err.hidden = data !== undefined;
  $('data').setAttribute('aria-invalid', String(data === undefined));
  if (data === undefined) { $('data').focus(); return; }
  const base = state.session.version;
  busy($('save-btn'), 'Saving', async () => {
    try {
      const view = await api.update(base, data);
      $('conflict').hidden = true;
      showSession(view);
      say(`Saved: now version ${view.version}.`);
    } catch (x) {
      if (!(x instanceof api.ApiError && x.status === 412)) throw x;
      const now = x.body?.error?.current_version;
      $('conflict-msg').textContent = `Not saved: this session was changed elsewhere${now !== undefined ? ` and is now at version ${now}` : ''}, `
        + `but your edit was based on version ${base}. Reload the latest data, then make your change again.`;
      $('conflict-draft').textContent = $('data').value;
      $('conflict').hidden = false;
      say('Conflict: your edit was not saved.', 'warn');
      $('reload-btn').focus();
    }
  });
});

$('data').addEventListener('input', () => {
  $('data-error').hidden = true;
  $('data').removeAttribute('aria-invalid');
});

$('reload-btn').addEventListener('click', () => busy($('reload-btn'), 'Reloading', async () => {
  const view = await api.current();
  $('conflict').hidden = true;
  showSession(view);
  say(`Reloaded: version ${view.version}.`);
  $('data').focus();
}));

$('rotate-btn').addEventListener('click', () => busy($('rotate-btn'), 'Rotating', async () => {
  const old = state.session.id;
  const view = await api.rotate();
  showSession(view, { replaceData: false });
  const note = $('rotated');
  note.replaceChildren('Session id rotated: ', Object.assign(document.createElement('code'), { textContent: old, className: 'old-id' }),
    ' → ', Object.assign(document.createElement('code'), { textContent: view.id, className: 'new-id' }),
    '. The old id keeps working as the new one only for the rotation grace window (30 s by default).');
  note.hidden = false;
  say(view.id !== old ? 'Session id rotated; your data was kept.' : 'Rotation returned the same id.', view.id !== old ? 'info' : 'warn');
  await loadDevices();
}));

/** The sensitive action: allowed with a fresh sign-in, else the re-authentication prompt. */
async function sensitive() {
  $('sensitive-ok').hidden = true;
  try {
    const view = await api.fresh(FRESH_AGE);
    showSession(view, { replaceData: false });
    $('reauth').hidden = true;
    const ok = $('sensitive-ok');
    ok.textContent = `Allowed: you authenticated ${ago(view.authenticated_at)}, within ${FRESH_AGE} s.`;
    ok.hidden = false;
    say('Sensitive action done.');
  } catch (e) {
    if (!(e instanceof api.ApiError && e.code === 'reauth_required')) throw e;
    const v = state.session;
    $('reauth-msg').textContent = `This action needs a sign-in at most ${FRESH_AGE} s old; you authenticated ${v ? ago(v.authenticated_at) : 'too long ago'}. Confirm it's you to continue. Your session stays signed in either way.`;
    $('reauth').hidden = false;
    say('Re-authentication required.', 'warn');
    $('reauth-btn').focus();
  }
}

$('fresh-age').textContent = String(FRESH_AGE);
$('fresh-age-q').textContent = String(FRESH_AGE);
$('sensitive-btn').addEventListener('click', () => busy($('sensitive-btn'), 'The sensitive action', sensitive));

$('reauth-btn').addEventListener('click', () => busy($('reauth-btn'), 'Re-authenticating', async () => {
  const id = state.session?.id;
  const view = await api.reauth();
  showSession(view, { replaceData: false });
  $('reauth').hidden = true;
  say(view.id === id ? 'Re-authenticated: same session id, fresh sign-in time.' : 'Re-authenticated.');
  await sensitive();
}));

$('signout-btn').addEventListener('click', () => busy($('signout-btn'), 'Signing out', async () => {
  await api.signOut();
  showSignedOut('Signed out.');
  $('user').focus();
}));

$('refresh-btn').addEventListener('click', () => busy($('refresh-btn'), 'Refreshing', async () => {
  const view = await api.current();
  showSession(view, { replaceData: false });
  await loadDevices();
  say('Devices refreshed.');
}));

$('signout-all-btn').addEventListener('click', () => busy($('signout-all-btn'), 'Signing out everywhere', async () => {
  const { revoked } = await api.revokeAll();
  showSignedOut(`Signed out everywhere: ${revoked} session${revoked === 1 ? '' : 's'} ended.`);
  $('user').focus();
}));

// Coming back to the tab: re-check the session (another device may have signed it out).
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible' || !state.session) return;
  api.current().then((v) => { showSession(v, { replaceData: false }); return loadDevices(); })
    .catch((e) => handle(e, 'Checking the session'));
});

async function start() {
  loadRing().catch((e) => say(`Loading the ring failed: ${e.message}`, 'error'));
  try {
    const view = await api.current();
    showSession(view);
    await loadDevices();
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) showSignedOut('');
    else { showSignedOut(''); handle(e, 'Loading the session'); }
  }
  document.body.dataset.ready = 'true';
}

start();
