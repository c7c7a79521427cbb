// Helpers to drive the real analytics-next UMD build in headless Debian
// Chromium (playwright-core, no browser download) one call at a time.
//
// The page is served from its own origin (a node http server on another
// port), so every POST to the collector is a CORS request, and the SDK is
// loaded with `cdnURL` = the collector only: the collector serves
// GET /v1/projects/<writeKey>/settings pointing Segment.io back at itself
// (see analytics-next.test.mjs, which checks the wire details).
//
// startPageServer(), launchChromium() and recordPage() serve every browser
// test. analytics-next.test.mjs serves a page of its own that runs a fixed
// sequence; openAjsPage() drives the step page below instead, which exposes
// `window.ts.load()` / `window.ts.call()` so a test can interleave browser
// calls with other clients (a server SDK) and wait in Node until each call is
// stored before making the next one: the receive order of the session is then
// the call order, which identity rules depend on.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import assert from 'node:assert/strict';
import { loadPackage, CLIENTS_DIR, describeSession, waitForMessageIds } from './capture.mjs';

export const playwright = loadPackage('playwright-core');
export const ajsNext = loadPackage('@segment/analytics-next');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const BROWSER_WAIT_MS = 20000;

const UMD_PATH = path.join(CLIENTS_DIR, 'node_modules', '@segment', 'analytics-next', 'dist', 'umd', 'index.js');

const STEP_PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Trackscope identity e2e</title></head>
<body><h1>Trackscope identity e2e</h1>
<script src="/ajs-next.umd.js"></script>
<script>
  // One SDK instance per page; each call is awaited and reported with what the
  // SDK generated (messageId, anonymousId) and the identity it holds afterwards.
  window.ts = {
    analytics: null,
    instance: null,
    async load(writeKey, cdnURL, loadOptions) {
      this.analytics = AnalyticsNext.AnalyticsBrowser.load({ writeKey, cdnURL }, loadOptions || {});
      const [instance] = await this.analytics;
      this.instance = instance;
      return { userAgent: navigator.userAgent, origin: location.origin };
    },
    async call(method, args) {
      const result = await this.analytics[method](...args);
      const user = this.instance.user();
      const out = { method, userId: user.id(), anonymousId: user.anonymousId() };
      // reset() returns nothing and sends nothing (protocol.md §3.4)
      if (result && result.event) out.event = JSON.parse(JSON.stringify(result.event));
      return out;
    },
  };
</script>
</body></html>`;

/** Serve `html` at / and the UMD bundle on 127.0.0.1:0 (an origin other than the collector's). */
export async function startPageServer(html = STEP_PAGE_HTML) {
  const umd = await readFile(UMD_PATH);
  const served = [];
  const server = http.createServer((req, res) => {
    served.push(`${req.method} ${req.url}`);
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(html);
    } else if (req.url === '/ajs-next.umd.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(umd);
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    served,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/** Launch headless Chromium; closed by t.after(). */
export async function launchChromium(t) {
  const browser = await playwright.mod.chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30000 });
  t.after(() => browser.close());
  return browser;
}

/**
 * Record what `page` does (console messages, page errors, requests, failed
 * requests and responses) in `log`, for failure messages; `dump()` gives the
 * session of `cap`, that log and what the page server `site` served.
 */
export function recordPage(page, cap, site) {
  const log = [];
  page.on('console', (msg) => log.push(`console.${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (err) => log.push(`pageerror: ${err.message}`));
  page.on('request', (req) => log.push(`request: ${req.method()} ${req.url()}`));
  page.on('requestfailed', (req) => log.push(`requestfailed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => log.push(`response: ${res.status()} ${res.request().method()} ${res.url()}`));
  const dump = () => `${describeSession(cap.sessionPath, cap)}\nbrowser log:\n  ${log.join('\n  ')}\n` +
    `page server served: ${site.served.join(', ')}`;
  return { log, dump };
}

/** Race a promise against a timeout (rejects with `what`). */
export async function bounded(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([
      promise,
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Open the step page in a new context of `browser`, load analytics-next with
 * cdnURL = the collector, and return a driver:
 *   call(method, ...args) → {method, userId, anonymousId, event?, row?}
 *     runs analytics[method](...args) in the page; when the call produces a
 *     message, waits (bounded) until the collector stored it and returns its
 *     session row as `row` (seq, message_id, type, user_id, anonymous_id, ...).
 *   close() closes the context (this is what writes a recordHar file).
 * @param {object} opt
 * @param {import('node:test').TestContext} opt.t
 * @param {object} opt.cap      from startCapture()
 * @param {string} opt.writeKey
 * @param {object} [opt.contextOptions] for browser.newContext (e.g. recordHar)
 * @param {object} [opt.loadOptions]    second argument of AnalyticsBrowser.load
 */
export async function openAjsPage({ t, browser, cap, site, writeKey, contextOptions = {}, loadOptions = {} }) {
  const context = await browser.newContext(contextOptions);
  let closed = false;
  t.after(async () => { if (!closed) await context.close().catch(() => {}); });
  const page = await context.newPage();
  const { log, dump } = recordPage(page, cap, site);

  await page.goto(`${site.origin}/`, { waitUntil: 'load', timeout: BROWSER_WAIT_MS });
  let info;
  try {
    info = await bounded(page.evaluate(([wk, cdn, lo]) => window.ts.load(wk, cdn, lo), [writeKey, cap.url, loadOptions]),
      BROWSER_WAIT_MS, 'AnalyticsBrowser.load');
  } catch (err) {
    assert.fail(`${err.message}\n${dump()}`);
  }
  assert.equal(info.origin, site.origin);

  async function call(method, ...args) {
    let out;
    try {
      out = await bounded(page.evaluate(([m, a]) => window.ts.call(m, a), [method, args]),
        BROWSER_WAIT_MS, `analytics.${method}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
    } catch (err) {
      assert.fail(`${err.message}\n${dump()}`);
    }
    if (out.event?.messageId) {
      const [row] = await waitForMessageIds(cap, [out.event.messageId], { describe: dump });
      out.row = row;
    }
    return out;
  }

  async function close() {
    if (closed) return;
    closed = true;
    await bounded(context.close(), BROWSER_WAIT_MS, 'closing the browser context');
  }

  return { page, context, call, close, log, dump, userAgent: info.userAgent, origin: info.origin };
}
