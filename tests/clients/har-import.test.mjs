// HAR import end to end: analytics-next (UMD) in headless Debian Chromium runs
// an identity flow against `trackscope-cli capture` while Playwright records
// the browser context as a HAR. Then:
//
//  1. `trackscope-cli import flow.har -o imported.trackscope` gives a session
//     with the same calls as the live capture (messageId, type, userId,
//     anonymousId, event, raw payload, order), `check --format json` gives
//     both the same flags, and the import report on stderr counts the calls
//     and the entries it skipped (page, script, settings GET…) by reason.
//     Run for each way Playwright writes request bodies: 'embed' (postData.text),
//     'attach' (postData.text empty, postData._file names a file beside the
//     HAR holding the body's bytes, which the importer reads) and 'omit' (no
//     body: the calls cannot be recovered, and must be reported, not invented).
//  2. `export --format har` of the live session, imported again, gives the
//     same calls byte for byte and the same flags.
//
// The flow: page → identify(user-42) → track "Signed Up" → track "Signed Out"
// → page (no reset(): flagged missing-reset-on-logout) → identify(user-99).
// Every call is awaited and stored before the next, so receive order is call
// order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { startCapture, messages, NOT_INSTALLED } from './lib/capture.mjs';
import { playwright, ajsNext, startPageServer, launchChromium, openAjsPage } from './lib/browser.mjs';
import { runCheck, assertReport, flagsOf, flagKeys, describeFlags } from './lib/check.mjs';
import { runImport, runExport, classifyEntries, describeHar, assertSameCalls } from './lib/har.mjs';

const skip = playwright && ajsNext ? false : NOT_INSTALLED;

const USER = 'user-42';
const NEXT_USER = 'user-99';
const N_CALLS = 6;

/**
 * Run the flow in a new context of a fresh Chromium with `recordHar` set to
 * `harMode` (or no HAR); returns the stopped capture and the HAR path.
 */
async function runFlow(t, { writeKey, harMode }) {
  const cap = await startCapture();
  t.after(() => cap.cleanup());
  const site = await startPageServer();
  t.after(() => site.close());
  const browser = await launchChromium(t);
  const harPath = harMode ? path.join(cap.dir, `flow-${harMode}.har`) : null;
  const contextOptions = harMode ? { recordHar: { path: harPath, content: harMode } } : {};
  const b = await openAjsPage({ t, browser, cap, site, writeKey, contextOptions });

  const steps = {};
  steps.page = await b.call('page', 'Pricing');
  steps.identify = await b.call('identify', USER, { plan: 'pro' });
  steps.signedUp = await b.call('track', 'Signed Up', { type: 'organic' });
  steps.signedOut = await b.call('track', 'Signed Out');
  steps.pageAfter = await b.call('page', 'Home');
  steps.nextUser = await b.call('identify', NEXT_USER, { plan: 'free' });
  const text = b.dump();
  await b.close(); // writes the HAR
  await cap.stop();

  const rows = messages(cap.sessionPath);
  assert.equal(rows.length, N_CALLS, `the six calls were captured\n${text}`);
  assert.equal(steps.pageAfter.row.user_id, USER, `without reset() the page still carries the user\n${text}`);
  return { cap, steps, text, harPath };
}

/** `check --format json` of one input: the report, with context for failures. */
async function check(file, { messages: n = N_CALLS } = {}) {
  const res = await runCheck([file]);
  const report = assertReport(res, { inputs: 1, messages: n });
  return { res, report, ctx: `${res.describe()}\nflags:\n${describeFlags(report)}` };
}

/** The live session and `importedPath` have the same flags, and they are not nothing. */
async function assertSameFlags(livePath, importedPath, steps, context) {
  const live = await check(livePath);
  const imported = await check(importedPath);
  const ctx = `live: ${live.ctx}\nimported: ${imported.ctx}\n${context}`;
  const [f] = flagsOf(live.report, 'missing-reset-on-logout');
  assert.ok(f, `the live flow is flagged missing-reset-on-logout\n${ctx}`);
  assert.ok(f.messageIds.includes(steps.signedOut.row.message_id) && f.messageIds.includes(steps.pageAfter.row.message_id),
    `the flag names Signed Out and the page after it\n${ctx}`);
  assert.deepEqual(flagKeys(imported.report), flagKeys(live.report),
    `same flags (rule, severity, user, stream, messageIds, seqs)\n${ctx}`);
  assert.deepEqual(imported.report.counts, live.report.counts, `same counts\n${ctx}`);
  assert.equal(imported.res.status, live.res.status, `same exit status\n${ctx}`);
}

// What the import report says about one reason: "<count> … <reason>" on a line.
const REASON_WORDS = {
  notTracking: /not-tracking-api|not (?:to )?(?:a |the )?Tracking API|no Tracking API|other URL/i,
  noCalls: /no-calls|no calls|carr(?:y|ies) no/i,
  notPost: /not-post|not (?:a )?POST|preflight/i,
  badEntry: /bad-entry|cannot be decoded|could not be decoded|bad entr/i,
};

function reportLineFor(stderr, count, reason) {
  return stderr.split('\n').find((line) => REASON_WORDS[reason].test(line) && new RegExp(`\\b${count}\\b`).test(line));
}

/** The import report on stderr counts the calls and every skipped kind of entry. */
function assertImportReport(res, { calls, skipped }, context) {
  const ctx = `${res.describe()}\n${context}`;
  assert.match(res.stderr, new RegExp(`\\b${calls}\\b[^\\n]*\\bcalls?\\b|\\bcalls?\\b[^\\n]*\\b${calls}\\b`, 'i'),
    `the report says how many calls were imported (${calls})\n${ctx}`);
  for (const [reason, count] of Object.entries(skipped)) {
    if (count === 0) continue;
    assert.ok(reportLineFor(res.stderr, count, reason),
      `the report says ${count} entr${count === 1 ? 'y was' : 'ies were'} skipped as ${reason}\n${ctx}`);
  }
}

/** The HAR as Playwright wrote it, sorted like the importer must sort it. */
async function readHar(harPath, cap, text) {
  const har = JSON.parse(await readFile(harPath, 'utf8'));
  const kinds = classifyEntries(har, cap.url);
  const ctx = `HAR entries:\n${describeHar(har)}\n${text}`;
  assert.equal(kinds.calls.length, N_CALLS, `the HAR holds the six POSTs of the calls\n${ctx}`);
  assert.ok(kinds.notTracking.some((e) => e.request.url.endsWith('/ajs-next.umd.js')), `the HAR holds the script GET\n${ctx}`);
  assert.ok(kinds.noCalls.some((e) => /\/settings$/.test(e.request.url)), `the HAR holds the settings GET\n${ctx}`);
  return { har, kinds, ctx };
}

for (const harMode of ['embed', 'attach']) {
  test(`Chromium HAR (content: '${harMode}') imports to the same calls and flags as the live capture`, { skip }, async (t) => {
    const { cap, steps, text, harPath } = await runFlow(t, { writeKey: `WK_HAR_${harMode}_e2e`, harMode });
    const { kinds, ctx } = await readHar(harPath, cap, text);

    if (harMode === 'embed') {
      for (const e of kinds.calls) {
        assert.ok(e.request.postData?.text, `embed keeps each body in postData.text\n${ctx}`);
      }
    } else {
      // attach: postData.text is empty and postData._file names a file
      // written beside the HAR with the body's bytes.
      const beside = await readdir(path.dirname(harPath));
      for (const e of kinds.calls) {
        assert.equal(e.request.postData?.text, '', `attach leaves postData.text empty\n${ctx}`);
        assert.ok(e.request.postData?._file && beside.includes(e.request.postData._file),
          `attach writes the body to postData._file beside the HAR\n${ctx}\nfiles: ${beside.join(', ')}`);
      }
    }

    const importedPath = path.join(cap.dir, `imported-${harMode}.trackscope`);
    const res = await runImport([harPath], importedPath);
    assert.equal(res.status, 0, `import exits 0\n${res.describe()}\n${ctx}`);
    assert.doesNotMatch(res.stderr, /\(skipped\)/, `no entry is reported as a problem\n${res.describe()}\n${ctx}`);
    assertImportReport(res, {
      calls: N_CALLS,
      skipped: { notTracking: kinds.notTracking.length, noCalls: kinds.noCalls.length, notPost: kinds.notPost.length },
    }, ctx);
    assertSameCalls(cap.sessionPath, importedPath, { exactRaw: true, context: `${res.describe()}\n${ctx}` });
    await assertSameFlags(cap.sessionPath, importedPath, steps, `${res.describe()}\n${ctx}`);
  });
}

test('Chromium HAR (content: \'omit\') has no bodies: no call is invented, each is reported', { skip }, async (t) => {
  const { cap, text, harPath } = await runFlow(t, { writeKey: 'WK_HAR_omit_e2e', harMode: 'omit' });
  const { kinds, ctx } = await readHar(harPath, cap, text);
  for (const e of kinds.calls) assert.ok(!e.request.postData?.text, `omit keeps no body\n${ctx}`);

  const importedPath = path.join(cap.dir, 'imported-omit.trackscope');
  const res = await runImport([harPath], importedPath);
  // Lenient by default: the entries are skipped and reported (exit 0 or 1),
  // never a usage error, never a crash.
  assert.ok(res.status === 0 || res.status === 1, `import of a HAR without bodies\n${res.describe()}\n${ctx}`);
  assertImportReport(res, {
    calls: 0,
    skipped: { notTracking: kinds.notTracking.length, noCalls: kinds.noCalls.length, badEntry: kinds.calls.length },
  }, ctx);
  if (res.status === 0) {
    assert.deepEqual(messages(importedPath), [], `no call is made up from an empty body\n${res.describe()}\n${ctx}`);
  }
});

test('export --format har of the live session imports to the same calls (byte for byte) and flags', { skip }, async (t) => {
  const { cap, steps, text } = await runFlow(t, { writeKey: 'WK_HAR_export_e2e', harMode: null });

  const harPath = path.join(cap.dir, 'exported.har');
  const exp = await runExport(cap.sessionPath, 'har', harPath);
  assert.equal(exp.status, 0, `export exits 0\n${exp.describe()}\n${text}`);
  const har = JSON.parse(await readFile(harPath, 'utf8'));
  const ctx = `${exp.describe()}\nHAR entries:\n${describeHar(har)}\n${text}`;
  assert.equal(har.log.creator?.name, 'Trackscope', `log.creator\n${ctx}`);
  assert.equal(har.log.entries.length, N_CALLS, `one entry per stored request\n${ctx}`);
  for (const e of har.log.entries) {
    assert.ok(e.request.url.startsWith(`${cap.url}/v1/`), `the URL is the collector's\n${ctx}`);
    assert.equal(e._trackscope?.messageIds?.length, 1, `_trackscope.messageIds\n${ctx}`);
  }
  assert.deepEqual(har.log.entries.map((e) => e._trackscope.messageIds[0]),
    messages(cap.sessionPath).map((m) => m.message_id), `entries in receive order\n${ctx}`);

  const importedPath = path.join(cap.dir, 'reimported.trackscope');
  const res = await runImport([harPath], importedPath);
  assert.equal(res.status, 0, `import exits 0\n${res.describe()}\n${ctx}`);
  assertImportReport(res, { calls: N_CALLS, skipped: {} }, ctx);
  const { expected, actual } = assertSameCalls(cap.sessionPath, importedPath, { exactRaw: true, context: `${res.describe()}\n${ctx}` });
  for (let i = 0; i < expected.length; i++) {
    // Transport facts travel in the HAR too.
    for (const k of ['received_at', 'route', 'user_agent', 'origin', 'write_key', 'auth_method', 'remote_addr']) {
      assert.equal(actual[i][k], expected[i][k], `${k} of call ${i + 1}\n${res.describe()}\n${ctx}`);
    }
  }
  await assertSameFlags(cap.sessionPath, importedPath, steps, `${res.describe()}\n${ctx}`);
});
