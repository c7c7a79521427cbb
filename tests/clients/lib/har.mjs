// Helpers for the HAR tests: run `trackscope-cli import` / `export`, sort the
// entries of a HAR the way the importer must, and compare the calls of two
// session files.
import assert from 'node:assert/strict';
import { messages, runCli } from './capture.mjs';

/** `trackscope-cli import INPUT... -o SESSION`. */
export function runImport(inputs, sessionPath) {
  return runCli(['import', ...inputs, '-o', sessionPath]);
}

/** `trackscope-cli export SESSION --format FORMAT -o FILE`. */
export function runExport(sessionPath, format, outPath) {
  return runCli(['export', sessionPath, '--format', format, '-o', outPath]);
}

// Routes of the Tracking API that carry calls (design.md, protocol.md §2).
const CALL_ROUTE = /^(?:\/lane\/[^/]+)?\/v1\/(?:[tipsga]|track|identify|page|screen|group|alias|batch|import|b)$/;

/**
 * Sort the entries of `har` into what the importer must do with them
 * (TscImportSkipReason): calls (POSTs to a call route of the collector),
 * notTracking (any other URL: the page, its script…), noCalls (other
 * collector routes: settings, metrics), notPost (call routes, not POST:
 * CORS preflights).
 */
export function classifyEntries(har, collectorUrl) {
  const out = { calls: [], notTracking: [], noCalls: [], notPost: [] };
  for (const e of har.log.entries) {
    const url = e.request.url;
    if (!url.startsWith(`${collectorUrl}/`)) { out.notTracking.push(e); continue; }
    const { pathname } = new URL(url);
    if (!CALL_ROUTE.test(pathname)) out.noCalls.push(e);
    else if (e.request.method !== 'POST') out.notPost.push(e);
    else out.calls.push(e);
  }
  return out;
}

/** One line per entry, for failure messages. */
export function describeHar(har) {
  return har.log.entries.map((e) => `  ${e.startedDateTime} ${e.request.method} ${e.request.url}` +
    ` postData=${e.request.postData ? JSON.stringify(Object.keys(e.request.postData)) : 'none'}` +
    ` status=${e.response?.status}`).join('\n');
}

/**
 * Assert that the session at `actualPath` holds the same calls as the one at
 * `expectedPath`, in the same order: messageId, type, userId, anonymousId,
 * event, name, and the raw payload equal as JSON (`exactRaw`: byte for byte).
 */
export function assertSameCalls(expectedPath, actualPath, { exactRaw = false, context = '' } = {}) {
  const expected = messages(expectedPath);
  const actual = messages(actualPath);
  const brief = (rows) => rows.map((m) => `  #${m.seq} ${m.type} ${m.event ?? m.name ?? ''} userId=${m.user_id}` +
    ` anon=${m.anonymous_id} mid=${m.message_id}`).join('\n');
  const ctx = `expected (${expectedPath}):\n${brief(expected)}\nactual (${actualPath}):\n${brief(actual)}\n${context}`;
  assert.ok(expected.length > 0, `the expected session has calls\n${ctx}`);
  assert.equal(actual.length, expected.length, `as many calls\n${ctx}`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const at = `call ${i + 1} (${e.message_id})\n${ctx}`;
    assert.equal(a.message_id, e.message_id, `messageId, in order: ${at}`);
    assert.equal(a.type, e.type, `type: ${at}`);
    assert.equal(a.user_id, e.user_id, `userId: ${at}`);
    assert.equal(a.anonymous_id, e.anonymous_id, `anonymousId: ${at}`);
    assert.equal(a.event, e.event, `event: ${at}`);
    assert.equal(a.name, e.name, `name: ${at}`);
    assert.deepEqual(JSON.parse(a.raw), JSON.parse(e.raw), `raw payload as JSON: ${at}`);
    if (exactRaw) assert.equal(a.raw, e.raw, `raw payload byte for byte: ${at}`);
  }
  return { expected, actual };
}
