// Helpers for the HAR tests: run `trackscope-cli import` / `export`, sort the
// entries of a HAR the way the importer must, and compare the calls of two
// session files.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { cliPath, messages } from './capture.mjs';

export const CLI_TIMEOUT_MS = 60000;

/**
 * Run `trackscope-cli ARGS...`, bounded by CLI_TIMEOUT_MS.
 * @returns {Promise<{argv:string[], status:number|null, signal:string|null,
 *   stdout:string, stderr:string, describe:()=>string}>}
 */
export async function runCli(args, { timeoutMs = CLI_TIMEOUT_MS } = {}) {
  const cli = cliPath();
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  const { status, signal, error } = await new Promise((resolve) => {
    child.on('error', (err) => resolve({ status: null, signal: null, error: err }));
    child.on('close', (code, sig) => resolve({ status: code, signal: sig }));
  });
  clearTimeout(timer);
  const res = { argv: [cli, ...args], status, signal, stdout, stderr };
  res.describe = () => `$ ${res.argv.join(' ')}\nexit status ${status}${signal ? ` (signal ${signal})` : ''}` +
    `${timedOut ? ` — killed after ${timeoutMs} ms` : ''}${error ? ` — spawn error: ${error.message}` : ''}\n` +
    `stdout:\n${stdout.length > 4000 ? `${stdout.slice(0, 4000)}…` : stdout}\nstderr:\n${stderr}`;
  if (error) assert.fail(`cannot run trackscope-cli: ${error.message}\n${res.describe()}`);
  if (timedOut) assert.fail(`trackscope-cli ${args[0]} did not finish within ${timeoutMs} ms\n${res.describe()}`);
  return res;
}

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
