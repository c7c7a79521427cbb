// Legacy analytics-node 6.x → trackscope-cli capture (POST /v1/batch, Basic auth via axios).
import { test } from 'node:test';
import { runNodeSdkScenario } from './lib/node-sdk.mjs';
import { loadPackage, NOT_INSTALLED } from './lib/capture.mjs';

const sdk = loadPackage('analytics-node');
const skip = sdk ? false : NOT_INSTALLED;
const Analytics = sdk?.mod;
const version = sdk?.version;

const WRITE_KEY = 'WK_NODE6_e2e';
const U = 'n6-user-1';
const A = 'n6-anon-1';

const calls = [
  { type: 'identify', userId: U, payload: { traits: { email: 'n6@example.com', plan: 'team', nick: 'Björk ✓' } } },
  { type: 'track', userId: U, event: 'N6 Trial Started', payload: { properties: { trial_plan_name: 'team', days: 14 } } },
  { type: 'page', anonymousId: A, name: 'N6 Home', payload: { properties: { path: '/' } } },
  { type: 'screen', userId: U, name: 'N6 Dashboard Screen', payload: { properties: { widgets: 3 } } },
  { type: 'alias', userId: U, previousId: A },
  { type: 'group', userId: U, groupId: 'n6-org-9', payload: { traits: { name: 'Initech N6' } } },
];

// flushAt 1: one request per call; flushAt 20: the SDK sends the first call at once and
// the other five together in one batch on flush() (batch_index 0..4).
for (const flushAt of [1, 20]) {
  test(`legacy analytics-node delivers identify/track/page/screen/alias/group (flushAt ${flushAt})`, { skip }, async (t) => {
    await runNodeSdkScenario({
      t,
      writeKey: WRITE_KEY,
      calls,
      transport: {
        userAgent: `analytics-node/${version}`,
        contentType: 'application/json',
        contentEncoding: null,
        messageIdRe: /^node-[0-9a-f]{32}-[0-9a-f-]{36}$/,
        library: { name: 'analytics-node', version },
        clientTimestamp: (item) => item.timestamp,
      },
      async run(url) {
        const errors = [];
        // retryCount 0: a loopback collector must answer the first attempt.
        const analytics = new Analytics(WRITE_KEY, {
          host: url, flushAt, retryCount: 0, errorHandler: (err) => errors.push(err),
        });
        const bodies = new Map(); // the SDK's callbacks hand back the batch object it POSTed
        const done = [];
        const cb = () => {
          let r;
          done.push(new Promise((res) => { r = res; }));
          return (err, data) => {
            // axios serialises the batch with JSON.stringify, so this is the exact body text.
            if (data) bodies.set(data, JSON.stringify(data));
            r(err);
          };
        };
        analytics.identify({ userId: U, traits: { email: 'n6@example.com', plan: 'team', nick: 'Björk ✓' } }, cb());
        analytics.track({ userId: U, event: 'N6 Trial Started', properties: { trial_plan_name: 'team', days: 14 } }, cb());
        analytics.page({ anonymousId: A, name: 'N6 Home', properties: { path: '/' } }, cb());
        analytics.screen({ userId: U, name: 'N6 Dashboard Screen', properties: { widgets: 3 } }, cb());
        analytics.alias({ userId: U, previousId: A }, cb());
        analytics.group({ userId: U, groupId: 'n6-org-9', traits: { name: 'Initech N6' } }, cb());
        await analytics.flush();
        const errs = (await Promise.all(done)).filter(Boolean);
        if (errs.length || errors.length) {
          throw new Error(`SDK reported delivery failures: ${[...errs, ...errors].map(String).join('; ')}`);
        }
        return [...bodies.values()];
      },
    });
  });
}
