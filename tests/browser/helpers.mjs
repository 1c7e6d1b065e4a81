// Shared set-up for the browser tests of www/: the real worker (tests/e2e/harness.mjs), headless
// Debian Chromium through playwright-core, a console watcher, and the web build of the package
// loaded in Node to compute expected values independently of the page.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ROOT, startWorker } from '../e2e/harness.mjs';
import { TEST_KEYS } from '../e2e/helpers.mjs';

export { ROOT };
export const SCREENSHOTS = join(ROOT, 'screenshots');
const PKG = join(ROOT, 'www/pkg');

/** Fails with a clear message when a build step was skipped. */
export function requireBuilds({ worker = true } = {}) {
  if (!existsSync(join(PKG, 'edge_session.js')) || !existsSync(join(PKG, 'edge_session_bg.wasm'))) {
    throw new Error('www/pkg is missing: run `bash scripts/build-www.sh` (the web build of the package) first');
  }
  if (worker && !existsSync(join(ROOT, 'build/worker/entry.mjs'))) {
    throw new Error('build/worker is missing: run `bash scripts/build-worker.sh` first');
  }
}

/** The package's web build, initialised in Node as www/core.js does in the page. */
export async function loadPackage() {
  const mod = await import(pathToFileURL(join(PKG, 'edge_session.js')).href);
  mod.initSync({ module: readFileSync(join(PKG, 'edge_session_bg.wasm')) });
  return mod;
}

/** A ring with unequal weights and some history, so the picture and the what-if have something to show. */
export const DEMO_RING = JSON.stringify({
  epoch: 2,
  steps: [
    { init: [{ name: 'shard-a', weight: 1 }, { name: 'shard-b', weight: 2 }, { name: 'shard-c', weight: 1 }] },
    { add: { name: 'shard-d', weight: 1 } },
  ],
});

/**
 * The server under test: BROWSER_TEST_URL (an already running `make dev`) or a fresh local worker
 * (Durable Object store) with test keys and DEMO_RING. Returns { url, stop() }.
 */
export async function startServer() {
  if (process.env.BROWSER_TEST_URL) return { url: process.env.BROWSER_TEST_URL.replace(/\/$/, ''), stop: async () => {} };
  requireBuilds();
  return startWorker({ vars: { SESSION_KEYS: TEST_KEYS, RING: DEMO_RING } });
}

export async function launch() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// Statuses the API answers by design, which Chromium logs as "Failed to load resource":
// 401 when no one is signed in (GET /api/session on load, calls after a sign-out elsewhere)
// and 412 for a stale edit. Anything else on the console is a failure.
const EXPECTED = [
  { status: 401, path: /^\/api\/(session|sessions)(\/.*)?$/ },
  { status: 412, path: /^\/api\/session$/ },
];

/** Watches a page's console and uncaught errors; `problems` lists everything unexpected. */
export function watch(page, problems) {
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = m.text();
    const status = /status of (\d{3})/.exec(text)?.[1];
    const url = m.location()?.url;
    if (status && url) {
      const path = new URL(url).pathname;
      if (EXPECTED.some((x) => x.status === Number(status) && x.path.test(path))) return;
    }
    problems.push(`console.${m.type()}: ${text}${url ? ` (${url})` : ''}`);
  });
  return page;
}

/** A fresh context (its own cookie jar: one "device") and page at `url`, ready once the app started. */
export async function openDevice(browser, url, problems, { width = 1200, height = 900, userAgent } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: 'light', ...(userAgent ? { userAgent } : {}) });
  context.setDefaultTimeout(10_000);
  const page = watch(await context.newPage(), problems);
  await page.goto(url, { timeout: 30_000 });
  await page.waitForSelector('body[data-ready="true"]');
  return { context, page };
}

/** Sign in through the form. */
export async function signIn(page, user, device) {
  await page.fill('#user', user);
  await page.fill('#device', device);
  await page.click('#signin-btn');
  await page.waitForSelector('#session:not([hidden])');
  await page.waitForFunction((u) => document.getElementById('s-user').textContent === u, user);
}

let n = 0;
/** A user name unique to this run, so tests never share sessions. */
export const uniqueUser = (prefix) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${(n += 1)}`;
