// @segment/analytics-node 3.x → trackscope-cli capture (POST /v1/batch, Basic auth).
import { test } from 'node:test';
import { runNodeSdkScenario } from './lib/node-sdk.mjs';
import { loadPackage, NOT_INSTALLED } from './lib/capture.mjs';

const sdk = loadPackage('@segment/analytics-node');
const skip = sdk ? false : NOT_INSTALLED;
const Analytics = sdk?.mod.Analytics;
const version = sdk?.version;

const WRITE_KEY = 'WK_NODE3_e2e';
const U = 'n3-user-1';
const A = 'n3-anon-1';

const calls = [
  { type: 'identify', userId: U, payload: { traits: { email: 'n3@example.com', plan: 'pro', nick: 'Zoë ✓' } } },
  { type: 'track', userId: U, event: 'N3 Order Completed', payload: { properties: { revenue: 42.5, currency: 'EUR' } } },
  { type: 'page', anonymousId: A, name: 'N3 Pricing', payload: { category: 'Docs', properties: { path: '/pricing' } } },
  { type: 'screen', userId: U, name: 'N3 Settings Screen', payload: { properties: { tab: 'privacy' } } },
  { type: 'alias', userId: U, previousId: A },
  { type: 'group', userId: U, groupId: 'n3-org-7', payload: { traits: { name: 'Acme N3', employees: 12 } } },
];

// flushAt 1: one request per call; flushAt 6: all six calls in one batch (batch_index 0..5).
for (const flushAt of [1, calls.length]) {
  test(`@segment/analytics-node delivers identify/track/page/screen/alias/group (flushAt ${flushAt})`, { skip }, async (t) => {
    await runNodeSdkScenario({
      t,
      writeKey: WRITE_KEY,
      calls,
      transport: {
        userAgent: 'analytics-node-next/latest',
        contentType: 'application/json',
        contentEncoding: null,
        messageIdRe: /^node-next-\d+-[0-9a-f-]{36}$/,
        library: { name: '@segment/analytics-node', version },
        clientTimestamp: (item) => item.timestamp,
      },
      async run(url) {
        const analytics = new Analytics({ writeKey: WRITE_KEY, host: url, flushAt, maxRetries: 0 });
        const bodies = [];
        const failures = [];
        analytics.on('http_request', (req) => bodies.push(req.body));
        analytics.on('http_response', (res) => { if (res.status !== 200) failures.push(`HTTP ${res.status} ${res.statusText}`); });
        analytics.on('error', (err) => failures.push(String(err?.reason ?? err?.message ?? JSON.stringify(err))));
        const done = [];
        const cb = () => { let r; done.push(new Promise((res) => { r = res; })); return (err) => r(err); };

        analytics.identify({ userId: U, traits: { email: 'n3@example.com', plan: 'pro', nick: 'Zoë ✓' } }, cb());
        analytics.track({ userId: U, event: 'N3 Order Completed', properties: { revenue: 42.5, currency: 'EUR' } }, cb());
        analytics.page({ anonymousId: A, name: 'N3 Pricing', category: 'Docs', properties: { path: '/pricing' } }, cb());
        analytics.screen({ userId: U, name: 'N3 Settings Screen', properties: { tab: 'privacy' } }, cb());
        analytics.alias({ userId: U, previousId: A }, cb());
        analytics.group({ userId: U, groupId: 'n3-org-7', traits: { name: 'Acme N3', employees: 12 } }, cb());
        await analytics.closeAndFlush({ timeout: 20000 });
        const errs = (await Promise.all(done)).filter(Boolean);
        if (errs.length || failures.length) {
          throw new Error(`SDK reported delivery failures: ${[...errs.map(String), ...failures].join('; ')}`);
        }
        return bodies;
      },
    });
  });
}
