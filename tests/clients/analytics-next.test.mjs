// @segment/analytics-next (UMD build) in headless Chromium → trackscope-cli capture.
//
// The page is served from its own origin (a node http server on another port),
// so every POST to the collector is a CORS request; since analytics-next 1.84 it
// carries `Authorization`, hence every POST is preflighted. Messages can only
// arrive if the collector answers the preflight correctly (OPTIONS are not
// recorded in the session). The SDK is loaded with `cdnURL` = the collector
// only: the collector serves GET /v1/projects/<writeKey>/settings pointing the
// Segment.io integration back at itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startCapture, messages, requests, waitForMessageIds, basicAuth, NOT_INSTALLED,
} from './lib/capture.mjs';
import {
  playwright, ajsNext, startPageServer, launchChromium, recordPage, bounded, BROWSER_WAIT_MS,
} from './lib/browser.mjs';

const skip = playwright && ajsNext ? false : NOT_INSTALLED;
const AJS_VERSION = ajsNext?.version;

const USER = 'user-42';
const GROUP = 'org-7';
const EVENT = 'Signed Up';
const SHORT_ROUTE = { page: '/v1/p', identify: '/v1/i', track: '/v1/t', alias: '/v1/a', group: '/v1/g' };

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Trackscope analytics-next e2e</title></head>
<body><h1>Trackscope analytics-next e2e</h1>
<script src="/ajs-next.umd.js"></script>
<script>
  // Runs the call sequence and reports what the SDK generated (ids are SDK-made).
  window.runFlow = async function (writeKey, cdnURL, loadOptions) {
    const analytics = AnalyticsNext.AnalyticsBrowser.load({ writeKey, cdnURL }, loadOptions);
    const [instance] = await analytics;
    const rec = (ctx) => JSON.parse(JSON.stringify(ctx.event));
    const events = [];
    events.push(rec(await analytics.page()));
    // alias BEFORE identify: after identify, 1.84.3 turns alias into a self-alias (protocol.md §3.3)
    events.push(rec(await analytics.alias(${JSON.stringify(USER)})));
    events.push(rec(await analytics.identify(${JSON.stringify(USER)}, { plan: 'pro' })));
    events.push(rec(await analytics.track(${JSON.stringify(EVENT)}, { source: 'e2e', amount: 7 })));
    events.push(rec(await analytics.group(${JSON.stringify(GROUP)}, { name: 'Org Seven' })));
    return { events, anonymousId: instance.user().anonymousId(), userAgent: navigator.userAgent,
      origin: location.origin };
  };
</script>
</body></html>`;

/**
 * Launch Chromium, open the page, run the flow and wait until the collector has
 * stored all five messages; then stop the collector. Returns everything observed.
 */
async function runBrowserScenario(t, { writeKey, loadOptions }) {
  const cap = await startCapture();
  t.after(() => cap.cleanup());
  const site = await startPageServer(PAGE_HTML);
  t.after(() => site.close());
  const browser = await launchChromium(t);

  const context = await browser.newContext();
  const page = await context.newPage();
  const { dump } = recordPage(page, cap, site); // everything the browser did, for failure messages
  const posts = []; // POST bodies the browser sent to the collector
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().startsWith(cap.url)) {
      posts.push({ url: new URL(req.url()).pathname, body: req.postData(), headers: req.headers() });
    }
  });

  const startedUs = Date.now() * 1000;
  await page.goto(`${site.origin}/`, { waitUntil: 'load', timeout: BROWSER_WAIT_MS });
  let flow;
  try {
    flow = await bounded(page.evaluate(([wk, cdn, lo]) => window.runFlow(wk, cdn, lo), [writeKey, cap.url, loadOptions]),
      BROWSER_WAIT_MS, 'page flow');
  } catch (err) {
    assert.fail(`${err.message}\n${dump()}`);
  }
  assert.equal(flow.events.length, 5);
  assert.equal(flow.origin, site.origin);

  // Poll the session until the five messages are stored (no fixed sleeps).
  await waitForMessageIds(cap, flow.events.map((e) => e.messageId), { timeoutMs: BROWSER_WAIT_MS, describe: dump });
  await context.close();
  await cap.stop();
  const stoppedUs = Date.now() * 1000;
  return { cap, site, flow, posts, dump, startedUs, stoppedUs };
}

/** Assertions shared by both delivery modes for the five analytics calls. */
function assertFiveCalls({ writeKey, flow, msgs, posts, dump, route }) {
  const A = flow.anonymousId;
  assert.match(A, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'SDK anonymousId');
  const [evPage, evAlias, evIdentify, evTrack, evGroup] = flow.events;
  const expected = [
    { ev: evPage, type: 'page', user_id: null, anonymous_id: A, previous_id: null, event: null, name: null, group_id: null },
    { ev: evAlias, type: 'alias', user_id: USER, anonymous_id: A, previous_id: A, event: null, name: null, group_id: null },
    { ev: evIdentify, type: 'identify', user_id: USER, anonymous_id: A, previous_id: null, event: null, name: null, group_id: null,
      payload: { traits: { plan: 'pro' } } },
    { ev: evTrack, type: 'track', user_id: USER, anonymous_id: A, previous_id: null, event: EVENT, name: null, group_id: null,
      payload: { properties: { source: 'e2e', amount: 7 } } },
    { ev: evGroup, type: 'group', user_id: USER, anonymous_id: A, previous_id: null, event: null, name: null, group_id: GROUP,
      payload: { traits: { name: 'Org Seven' } } },
  ];
  // Every POST body that carries one of our messages (there can be /v1/m metrics too).
  const bodies = posts.filter((p) => p.url !== '/v1/m').map((p) => p.body);
  for (const x of expected) {
    const row = msgs.find((m) => m.message_id === x.ev.messageId);
    assert.ok(row, `${x.type} ${x.ev.messageId} not stored\n${dump()}`);
    const ctx = `${x.type} seq ${row.seq}\n${dump()}`;
    assert.equal(x.ev.type, x.type);
    for (const col of ['type', 'user_id', 'anonymous_id', 'previous_id', 'event', 'name', 'group_id']) {
      assert.equal(row[col], x[col], `${col} of ${ctx}`);
    }
    assert.equal(row.message_id_added, 0, `message_id_added of ${ctx}`);
    assert.match(row.message_id, /^ajs-next-\d+-[0-9a-f-]{36}$/, ctx);
    assert.equal(row.route, route ?? SHORT_ROUTE[x.type], `route of ${ctx}`);
    assert.equal(row.lane, null, ctx);
    assert.equal(row.write_key, writeKey, `write_key of ${ctx}`);
    assert.equal(row.auth_method, 'basic', `auth_method of ${ctx} (Authorization: Basic is sent since 1.84)`);
    assert.equal(row.origin, flow.origin, `origin of ${ctx}`);
    assert.equal(row.user_agent, flow.userAgent, `user_agent of ${ctx}`);
    assert.equal(row.content_encoding, null, ctx);
    assert.match(row.remote_addr ?? '', /127\.0\.0\.1/, ctx);

    // raw: valid JSON, the exact bytes the browser sent for this message
    let raw;
    assert.doesNotThrow(() => { raw = JSON.parse(row.raw); }, `raw is not JSON: ${row.raw}`);
    assert.equal(raw.messageId, row.message_id, ctx);
    assert.equal(raw.type, x.type, ctx);
    assert.equal(raw.writeKey, writeKey, ctx);
    assert.equal(raw.anonymousId, A, ctx);
    assert.equal(raw.userId ?? null, x.user_id, ctx);
    assert.deepEqual(raw.context.library, { name: 'analytics.js', version: `next-${AJS_VERSION}` }, ctx);
    assert.equal(raw.context.page.url, `${flow.origin}/`, ctx);
    for (const [k, v] of Object.entries(x.payload ?? {})) {
      for (const [k2, v2] of Object.entries(v)) assert.deepEqual(raw[k]?.[k2], v2, `raw.${k}.${k2} of ${ctx}`);
    }
    const body = bodies.find((b) => b.includes(`"messageId":"${row.message_id}"`));
    assert.ok(body, `no browser POST body carried ${row.message_id}`);
    assert.ok(body.includes(row.raw), `raw must be the exact bytes sent\nraw:  ${row.raw}\nbody: ${body}`);
    assert.equal(row.timestamp, raw.timestamp, `timestamp (client timestamp as sent) of ${ctx}`);
    const skewUs = (Date.parse(row.sent_at) - Date.parse(row.timestamp)) * 1000;
    assert.ok(Math.abs(row.corrected_at - (row.received_at - skewUs)) <= 1000,
      `corrected_at ${row.corrected_at} should be received_at − (sentAt − timestamp): ${ctx}`);
  }
  assert.equal(msgs.length, 5, `only the five calls are messages\n${dump()}`);
  return expected;
}

function assertRequestRow(r, { writeKey, flow, dump, route, startedUs, stoppedUs }) {
  const ctx = `request #${r.id} ${r.method} ${r.path}\n${dump()}`;
  assert.equal(r.method, 'POST', ctx);
  assert.equal(r.path, route, ctx);
  assert.equal(r.status, 200, ctx);
  assert.equal(r.error_code, null, ctx);
  assert.equal(r.lane, null, ctx);
  assert.equal(r.write_key, writeKey, ctx);
  assert.equal(r.auth_method, 'basic', ctx);
  assert.equal(r.origin, flow.origin, `origin of ${ctx}`);
  assert.equal(r.user_agent, flow.userAgent, ctx);
  assert.match(r.content_type ?? '', /^text\/plain/, ctx);
  assert.equal(r.content_encoding, null, ctx);
  assert.equal(r.body_size, r.decoded_size, ctx);
  assert.equal(r.body_is_null, 1, `accepted requests keep no body blob; ${ctx}`);
  assert.equal(r.body_truncated ?? 0, 0, ctx);
  const headers = JSON.parse(r.headers);
  const auth = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization');
  if (auth) assert.equal(String(auth[1]), basicAuth(writeKey), `Authorization header recorded for ${ctx}`);
  assert.ok(r.received_at >= startedUs - 1e6 && r.received_at <= stoppedUs + 1e6, `received_at of ${ctx}`);
}

test('analytics-next UMD in Chromium, standard delivery (/v1/p,i,t,a,g)', { skip }, async (t) => {
  const writeKey = 'WK_AJS_STD_e2e';
  const { cap, flow, posts, dump, startedUs, stoppedUs } = await runBrowserScenario(t, { writeKey, loadOptions: {} });
  const msgs = messages(cap.sessionPath);
  const reqs = requests(cap.sessionPath);
  const expected = assertFiveCalls({ writeKey, flow, msgs, posts, dump });
  assert.equal(cap.lines.length, 5, `one collector stdout line per accepted message:\n${cap.lines.join('\n')}`);

  for (const x of expected) {
    const row = msgs.find((m) => m.message_id === x.ev.messageId);
    const raw = JSON.parse(row.raw);
    const ctx = `${x.type}\n${dump()}`;
    assert.equal(row.batch_index, null, `batch_index on a single-message route: ${ctx}`);
    assert.equal(row.sent_at, raw.sentAt, `sent_at = the message's sentAt: ${ctx}`);
    assert.equal(row.batch_context, null, ctx);
    assert.equal(row.batch_integrations, null, ctx);
    const req = reqs.find((r) => r.id === row.request_id);
    assert.ok(req, `request of ${ctx}`);
    assertRequestRow(req, { writeKey, flow, dump, route: SHORT_ROUTE[x.type], startedUs, stoppedUs });
    assert.equal(req.route, SHORT_ROUTE[x.type], ctx);
    assert.equal(req.message_count, 1, ctx);
    // single route: the whole body is the message
    assert.equal(Buffer.byteLength(row.raw), req.decoded_size, `raw length vs decoded_size: ${ctx}`);
    assert.equal(row.received_at, req.received_at, ctx);
  }
  // Exactly one stored POST per call on the five short routes, nothing rejected.
  const ours = reqs.filter((r) => Object.values(SHORT_ROUTE).includes(r.route));
  assert.equal(ours.length, 5, `one request per call\n${dump()}`);
  assert.deepEqual(ours.map((r) => r.route).sort(), Object.values(SHORT_ROUTE).sort());
  assert.equal(msgs.length, 5, `only the five calls are messages\n${dump()}`);
  assert.deepEqual(reqs.filter((r) => r.status !== 200), [], `no failed requests\n${dump()}`);
});

test('analytics-next UMD in Chromium, batching delivery (/v1/b)', { skip }, async (t) => {
  const writeKey = 'WK_AJS_BATCH_e2e';
  const loadOptions = {
    integrations: { 'Segment.io': { deliveryStrategy: { strategy: 'batching', config: { size: 5, timeout: 500 } } } },
  };
  const { cap, flow, posts, dump, startedUs, stoppedUs } = await runBrowserScenario(t, { writeKey, loadOptions });
  const msgs = messages(cap.sessionPath);
  const reqs = requests(cap.sessionPath);
  assertFiveCalls({ writeKey, flow, msgs, posts, dump, route: '/v1/b' });
  assert.equal(cap.lines.length, 5, `one collector stdout line per accepted message:\n${cap.lines.join('\n')}`);

  const batchPosts = posts.filter((p) => p.url === '/v1/b');
  assert.ok(batchPosts.length >= 1, `the browser POSTed no /v1/b\n${dump()}`);
  const batchReqs = reqs.filter((r) => r.route === '/v1/b');
  assert.equal(batchReqs.length, batchPosts.length, `one request row per /v1/b POST\n${dump()}`);
  for (const r of batchReqs) {
    assertRequestRow(r, { writeKey, flow, dump, route: '/v1/b', startedUs, stoppedUs });
    const rowMsgs = msgs.filter((m) => m.request_id === r.id).sort((a, b) => a.batch_index - b.batch_index);
    assert.equal(r.message_count, rowMsgs.length, `message_count of request #${r.id}\n${dump()}`);
    // match the request to the browser's body by the messageIds it carried
    const body = batchPosts.map((p) => JSON.parse(p.body))
      .find((b) => b.batch.some((it) => it.messageId === rowMsgs[0]?.message_id));
    assert.ok(body, `no /v1/b body for request #${r.id}`);
    assert.equal(body.writeKey, writeKey);
    assert.deepEqual(rowMsgs.map((m) => m.batch_index), body.batch.map((_, i) => i), `batch_index of request #${r.id}`);
    assert.deepEqual(rowMsgs.map((m) => m.message_id), body.batch.map((it) => it.messageId), `order of request #${r.id}`);
    for (const m of rowMsgs) {
      assert.deepEqual(JSON.parse(m.raw), body.batch[m.batch_index]);
      assert.equal('sentAt' in JSON.parse(m.raw), false, 'batching strips per-message sentAt');
      assert.equal(m.sent_at, body.sentAt, `sent_at = the batch's sentAt (seq ${m.seq})`);
      assert.equal(m.batch_context, null);
      assert.equal(m.batch_integrations, null);
      assert.equal(m.received_at, r.received_at);
    }
    assert.equal(Buffer.byteLength(batchPosts.find((p) => JSON.parse(p.body).sentAt === body.sentAt).body), r.decoded_size,
      `decoded_size of request #${r.id}`);
  }
  assert.equal(msgs.length, 5, `only the five calls are messages\n${dump()}`);
  assert.equal(msgs.filter((m) => m.route === '/v1/b').length, 5);
  assert.deepEqual(reqs.filter((r) => r.status !== 200), [], `no failed requests\n${dump()}`);
});
