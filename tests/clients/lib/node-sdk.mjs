// Shared driver + assertions for the server-side (Node) SDK tests.
//
// Each test supplies:
//   * `calls`: the SDK calls it makes, with the columns expected in `messages`;
//   * `run(url)`: drives the SDK against the collector and resolves to the
//     request bodies the SDK really sent (decoded JSON text), captured from the
//     SDK itself (events/callbacks), so the test can compare byte for byte.
import assert from 'node:assert/strict';
import { startCapture, messages, requests, describeSession } from './capture.mjs';

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * @param {object} opt
 * @param {import('node:test').TestContext} opt.t
 * @param {string} opt.writeKey
 * @param {Array<{type:string, userId?:string, anonymousId?:string, previousId?:string,
 *   event?:string, name?:string, groupId?:string, payload?:object}>} opt.calls
 *   `payload` is a subset expected inside the raw JSON (deep partial match).
 * @param {(url:string) => Promise<string[]>} opt.run  returns the JSON bodies sent
 * @param {object} opt.transport expected request/message transport facts:
 *   {userAgent, contentType, contentEncoding, messageIdRe, library}
 */
export async function runNodeSdkScenario({ t, writeKey, calls, run, transport }) {
  const cap = await startCapture();
  t.after(() => cap.cleanup());
  const startedUs = Date.now() * 1000;
  let bodies;
  try {
    bodies = await run(cap.url);
  } finally {
    await cap.stop();
  }
  const stoppedUs = Date.now() * 1000;
  const dump = () => describeSession(cap.sessionPath, cap);

  // --- what the SDK sent (ground truth) ------------------------------------------------
  assert.ok(bodies.length > 0, 'the SDK reported no request bodies');
  const sentItems = new Map(); // messageId -> {item, body, bodyText, index}
  for (const bodyText of bodies) {
    const body = JSON.parse(bodyText);
    assert.ok(Array.isArray(body.batch), `SDK body without batch: ${bodyText}`);
    body.batch.forEach((item, index) => {
      assert.equal(typeof item.messageId, 'string', 'SDK item without messageId');
      sentItems.set(item.messageId, { item, body, bodyText, index });
    });
  }
  assert.equal(sentItems.size, calls.length,
    `the SDK sent ${sentItems.size} messages, the test made ${calls.length} calls`);

  // --- requests ------------------------------------------------------------------------
  const reqs = requests(cap.sessionPath);
  const msgs = messages(cap.sessionPath);
  assert.equal(reqs.length, bodies.length,
    `expected ${bodies.length} POSTs recorded (one per SDK flush)\n${dump()}`);
  const reqById = new Map(reqs.map((r) => [r.id, r]));
  for (const r of reqs) {
    const ctx = `request #${r.id} ${r.method} ${r.path}\n${dump()}`;
    assert.equal(r.method, 'POST', ctx);
    assert.equal(r.path, '/v1/batch', ctx);
    assert.equal(r.route, '/v1/batch', ctx);
    assert.equal(r.lane, null, ctx);
    assert.equal(r.status, 200, ctx);
    assert.equal(r.error_code, null, ctx);
    assert.equal(r.error_message, null, ctx);
    assert.equal(r.write_key, writeKey, ctx);
    assert.equal(r.auth_method, 'basic', ctx);
    assert.equal(r.user_agent, transport.userAgent, ctx);
    assert.equal(r.origin, null, ctx);
    assert.match(r.remote_addr ?? '', /127\.0\.0\.1/, ctx);
    assert.ok((r.content_type ?? '').startsWith(transport.contentType),
      `content_type ${r.content_type} should start with ${transport.contentType}; ${ctx}`);
    assert.equal(r.content_encoding, transport.contentEncoding, ctx);
    assert.equal(r.body_truncated ?? 0, 0, ctx);
    assert.equal(r.body_is_null, 1, `accepted requests keep no body blob; ${ctx}`);
    const headers = JSON.parse(r.headers);
    assert.equal(typeof headers, 'object', ctx);
    assert.ok(headers !== null && !Array.isArray(headers), `headers must be a JSON object: ${r.headers}`);
    const hdrUa = Object.entries(headers).find(([k]) => k.toLowerCase() === 'user-agent');
    assert.ok(hdrUa, `headers JSON lacks user-agent: ${r.headers}`);
    assert.equal(String(hdrUa[1]), transport.userAgent, ctx);
    assert.ok(r.received_at >= startedUs - 1e6 && r.received_at <= stoppedUs + 1e6,
      `received_at ${r.received_at} outside the test run; ${ctx}`);
  }

  // every SDK request body is matched by exactly one request row (by decoded size)
  const decodedSizes = reqs.map((r) => r.decoded_size).sort((a, b) => a - b);
  const sentSizes = bodies.map((b) => Buffer.byteLength(b)).sort((a, b) => a - b);
  assert.deepEqual(decodedSizes, sentSizes, `decoded_size per request should equal the JSON bytes the SDK sent\n${dump()}`);
  for (const r of reqs) {
    if (transport.contentEncoding) {
      assert.ok(r.body_size > 0 && r.body_size !== r.decoded_size,
        `request #${r.id}: body_size ${r.body_size} (compressed) vs decoded_size ${r.decoded_size}`);
    } else {
      assert.equal(r.body_size, r.decoded_size, `request #${r.id}: body_size vs decoded_size`);
    }
    const n = msgs.filter((m) => m.request_id === r.id).length;
    assert.equal(r.message_count, n, `request #${r.id} message_count vs messages rows\n${dump()}`);
  }

  // --- messages ------------------------------------------------------------------------
  assert.equal(msgs.length, calls.length, `expected ${calls.length} messages in the session\n${dump()}`);
  assert.equal(cap.lines.length, calls.length,
    `collector should print one stdout line per accepted message; got:\n${cap.lines.join('\n')}`);

  const seen = new Set();
  for (const call of calls) {
    const row = msgs.find((m) => m.type === call.type &&
      m.user_id === (call.userId ?? null) && m.anonymous_id === (call.anonymousId ?? null));
    assert.ok(row, `no ${call.type} message for userId=${call.userId} anonymousId=${call.anonymousId}\n${dump()}`);
    assert.ok(!seen.has(row.seq), `message seq ${row.seq} matched twice`);
    seen.add(row.seq);
    const ctx = `${call.type} (seq ${row.seq})\n${dump()}`;

    // identity columns
    assert.equal(row.previous_id, call.previousId ?? null, `previous_id of ${ctx}`);
    assert.equal(row.event, call.event ?? null, `event of ${ctx}`);
    assert.equal(row.name, call.name ?? null, `name of ${ctx}`);
    assert.equal(row.group_id, call.groupId ?? null, `group_id of ${ctx}`);

    // raw bytes: valid JSON, identical to what the SDK put into the batch
    assert.equal(typeof row.raw, 'string', `raw missing for ${ctx}`);
    let raw;
    assert.doesNotThrow(() => { raw = JSON.parse(row.raw); }, `raw is not JSON: ${row.raw}`);
    assert.equal(raw.type, call.type, `raw.type of ${ctx}`);
    assert.equal(typeof raw.messageId, 'string', `raw.messageId of ${ctx}`);
    assert.match(raw.messageId, transport.messageIdRe, `SDK messageId format of ${ctx}`);
    assert.equal(row.message_id, raw.messageId, `message_id must be the SDK's messageId: ${ctx}`);
    assert.equal(row.message_id_added, 0, `message_id_added of ${ctx}`);
    const sent = sentItems.get(raw.messageId);
    assert.ok(sent, `raw messageId ${raw.messageId} is not one the SDK sent`);
    assert.ok(sent.bodyText.includes(row.raw),
      `raw bytes must be the exact bytes of the item inside the request body\nraw:  ${row.raw}\nbody: ${sent.bodyText}`);
    assert.deepEqual(raw, sent.item);
    assert.deepEqual(raw.context?.library, transport.library, `context.library of ${ctx}`);
    if (call.payload) assertSubset(raw, call.payload, `raw of ${call.type}`);

    // per-message transport facts and envelope
    const req = reqById.get(row.request_id);
    assert.ok(req, `message seq ${row.seq} points at missing request ${row.request_id}`);
    assert.equal(row.batch_index, sent.index, `batch_index of ${ctx}`);
    assert.equal(row.route, '/v1/batch', ctx);
    assert.equal(row.lane, null, ctx);
    assert.equal(row.write_key, writeKey, ctx);
    assert.equal(row.auth_method, 'basic', ctx);
    assert.equal(row.content_encoding, transport.contentEncoding, ctx);
    assert.equal(row.user_agent, transport.userAgent, ctx);
    assert.equal(row.origin, null, ctx);
    assert.equal(row.remote_addr, req.remote_addr, ctx);
    assert.equal(row.received_at, req.received_at, `message received_at should be its request's: ${ctx}`);
    assert.equal(row.batch_context, null, `no envelope context was sent: ${ctx}`);
    assert.equal(row.batch_integrations, null, `no envelope integrations were sent: ${ctx}`);

    // timestamps
    const expectedSentAt = sent.item.sentAt ?? sent.body.sentAt;
    assert.equal(row.sent_at, expectedSentAt, `sent_at (message sentAt, else the batch's) of ${ctx}`);
    const clientTs = transport.clientTimestamp(sent.item);
    assert.equal(row.timestamp, clientTs, `timestamp (client timestamp as sent) of ${ctx}`);
    // The client time is `timestamp`, or `originalTimestamp` for libraries
    // that stamp it themselves (rudder-sdk-node).
    const clientTime = row.timestamp ?? sent.item.originalTimestamp;
    assert.ok(clientTime && row.sent_at, `every node SDK sends a client time and sentAt: ${ctx}`);
    {
      assert.match(clientTime, ISO_RE);
      const skewUs = (Date.parse(row.sent_at) - Date.parse(clientTime)) * 1000;
      const expected = row.received_at - skewUs;
      assert.ok(Math.abs(row.corrected_at - expected) <= 1000,
        `corrected_at ${row.corrected_at} should be received_at − (sentAt − timestamp) = ${expected}: ${ctx}`);
    }
  }
}

/** Deep "expected ⊆ actual" check for plain JSON values. */
export function assertSubset(actual, expected, where = '') {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    assert.ok(actual !== null && typeof actual === 'object', `${where}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [k, v] of Object.entries(expected)) assertSubset(actual[k], v, `${where}.${k}`);
  } else {
    assert.deepEqual(actual, expected, where);
  }
}
