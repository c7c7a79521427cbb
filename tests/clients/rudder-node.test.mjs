// @rudderstack/rudder-sdk-node 3.x → trackscope-cli capture (gzip-compressed POST /v1/batch).
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { runNodeSdkScenario } from './lib/node-sdk.mjs';
import { loadPackage, NOT_INSTALLED } from './lib/capture.mjs';

const sdk = loadPackage('@rudderstack/rudder-sdk-node');
const skip = sdk ? false : NOT_INSTALLED;
const RudderAnalytics = sdk?.mod;
const version = sdk?.version;

const WRITE_KEY = 'WK_RUDDER_e2e';
const U = 'rs-user-1';
const A = 'rs-anon-1';

const calls = [
  // rudder copies identify traits into context.traits
  { type: 'identify', userId: U, payload: { traits: { email: 'rs@example.com', plan: 'growth', nick: 'Åsa ✓' }, context: { traits: { plan: 'growth' } }, channel: 'server' } },
  { type: 'track', userId: U, event: 'RS Checkout Started', payload: { properties: { cart: 3, value: 99.9 }, channel: 'server' } },
  { type: 'page', anonymousId: A, name: 'RS Landing', payload: { properties: { path: '/landing' } } },
  { type: 'screen', userId: U, name: 'RS Profile Screen', payload: { properties: { edit: true } } },
  { type: 'alias', userId: U, previousId: A },
  { type: 'group', userId: U, groupId: 'rs-org-3', payload: { traits: { name: 'Globex RS' } } },
];

// flushAt 1: one request per call; flushAt 20: the SDK sends the first call at once and
// the other five together in one batch on flush() (batch_index 0..4).
for (const flushAt of [1, 20]) {
  test(`rudder-sdk-node delivers gzip batches the collector decodes (flushAt ${flushAt})`, { skip }, async (t) => {
    await runNodeSdkScenario({
      t,
      writeKey: WRITE_KEY,
      calls,
      transport: {
        userAgent: `analytics-node/${version}`,
        // axios' default for a Buffer body
        contentType: 'application/x-www-form-urlencoded',
        contentEncoding: 'gzip',
        messageIdRe: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        // rudder-sdk-node reports itself as analytics-node <its own version>
        library: { name: 'analytics-node', version },
        // rudder sends no `timestamp`, only `originalTimestamp` (the client's time):
        // the `timestamp` column holds the wire `timestamp` field only, so it is NULL
        // here, and corrected_at is computed from originalTimestamp.
        clientTimestamp: (item) => item.timestamp ?? null,
      },
      async run(url) {
        const errors = [];
        const analytics = new RudderAnalytics(WRITE_KEY, {
          dataPlaneUrl: url, flushAt, gzip: true, retryCount: 0, logLevel: 'error',
          errorHandler: (err) => errors.push(err),
        });
        const bodies = new Map(); // gzip Buffer the SDK POSTed -> decoded JSON text
        const done = [];
        const cb = () => {
          let r;
          done.push(new Promise((res) => { r = res; }));
          return (err, data) => {
            if (data) {
              assert.ok(Buffer.isBuffer(data), 'rudder-sdk-node with gzip should POST a Buffer');
              bodies.set(data, gunzipSync(data).toString('utf8'));
            }
            r(err);
          };
        };
        analytics.identify({ userId: U, traits: { email: 'rs@example.com', plan: 'growth', nick: 'Åsa ✓' } }, cb());
        analytics.track({ userId: U, event: 'RS Checkout Started', properties: { cart: 3, value: 99.9 } }, cb());
        analytics.page({ anonymousId: A, name: 'RS Landing', properties: { path: '/landing' } }, cb());
        analytics.screen({ userId: U, name: 'RS Profile Screen', properties: { edit: true } }, cb());
        analytics.alias({ userId: U, previousId: A }, cb());
        analytics.group({ userId: U, groupId: 'rs-org-3', traits: { name: 'Globex RS' } }, cb());
        await new Promise((resolve, reject) => analytics.flush((err) => (err ? reject(err) : resolve())));
        const errs = (await Promise.all(done)).filter(Boolean);
        if (errs.length || errors.length) {
          throw new Error(`SDK reported delivery failures: ${[...errs, ...errors].map(String).join('; ')}`);
        }
        return [...bodies.values()];
      },
    });
  });
}
