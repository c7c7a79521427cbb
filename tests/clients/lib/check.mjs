// Helpers to run `trackscope-cli check` and read its JSON report
// (design.md "Headless contract"):
//   {"version":1,"profile":"segment","inputs":[...],"messages":N,
//    "counts":{"error":E,"warning":W,"info":I},
//    "flags":[{"rule","severity","summary","userId","anonymousId","messageIds":[...],"seqs":[...]}]}
// Exit codes: 0 nothing at or above --fail-on (default error), 1 flags at or
// above it, 2 bad usage or unreadable input.
import assert from 'node:assert/strict';
import { CLI_TIMEOUT_MS, runCli } from './capture.mjs';

const SEVERITIES = ['error', 'warning', 'info'];
const RANK = { info: 1, warning: 2, error: 3 };

/**
 * Run `trackscope-cli check INPUT... --format FORMAT [--profile P] [--fail-on F] [extra...]`.
 * Bounded by CLI_TIMEOUT_MS (killed with SIGKILL after it).
 * @returns {Promise<{argv:string[], status:number|null, signal:string|null, stdout:string,
 *   stderr:string, json:object|undefined, jsonError:Error|undefined, describe:()=>string}>}
 */
export async function runCheck(inputs, { profile, failOn, format = 'json', extraArgs = [], timeoutMs = CLI_TIMEOUT_MS } = {}) {
  const argv = ['check', ...inputs];
  if (format) argv.push('--format', format);
  if (profile) argv.push('--profile', profile);
  if (failOn) argv.push('--fail-on', failOn);
  argv.push(...extraArgs);
  const res = await runCli(argv, { timeoutMs });
  const { stdout } = res;
  if (format === 'json') {
    try {
      res.json = JSON.parse(stdout);
    } catch (err) {
      res.jsonError = err;
    }
  }
  return res;
}

/** Whether this build has the `check` command at all (for a clear failure message). */
export async function checkCommandAvailable() {
  const res = await runCheck([], { format: null, extraArgs: ['--help'], timeoutMs: 15000 });
  return res.status === 0;
}

/**
 * Assert the report follows the documented JSON shape and is internally
 * consistent (counts match the flags; exit status matches --fail-on), then
 * return it. `failOn` is the --fail-on used (default 'error').
 */
export function assertReport(res, { failOn = 'error', profile = 'segment', inputs, messages } = {}) {
  const ctx = res.describe();
  assert.ok(res.status === 0 || res.status === 1, `check should exit 0 or 1 on good input\n${ctx}`);
  assert.ok(res.json !== undefined, `check --format json printed no parseable JSON (${res.jsonError?.message})\n${ctx}`);
  const r = res.json;
  assert.ok(r && typeof r === 'object' && !Array.isArray(r), `report must be one JSON object\n${ctx}`);
  assert.equal(r.version, 1, `version\n${ctx}`);
  assert.equal(r.profile, profile, `profile\n${ctx}`);
  assert.ok(Array.isArray(r.inputs), `inputs must be an array\n${ctx}`);
  if (inputs) assert.equal(r.inputs.length, inputs, `one inputs[] entry per INPUT\n${ctx}`);
  assert.equal(typeof r.messages, 'number', `messages must be a number\n${ctx}`);
  if (messages !== undefined) assert.equal(r.messages, messages, `messages (how many calls were checked)\n${ctx}`);
  assert.ok(r.counts && typeof r.counts === 'object', `counts\n${ctx}`);
  for (const s of SEVERITIES) assert.equal(typeof r.counts[s], 'number', `counts.${s}\n${ctx}`);
  assert.ok(Array.isArray(r.flags), `flags must be an array\n${ctx}`);
  for (const f of r.flags) {
    const fctx = `flag ${JSON.stringify(f)}\n${ctx}`;
    assert.equal(typeof f.rule, 'string', fctx);
    assert.ok(SEVERITIES.includes(f.severity), `severity of ${fctx}`);
    assert.equal(typeof f.summary, 'string', fctx);
    assert.ok(f.userId === null || typeof f.userId === 'string', `userId of ${fctx}`);
    assert.ok(f.anonymousId === null || typeof f.anonymousId === 'string', `anonymousId of ${fctx}`);
    assert.ok(Array.isArray(f.messageIds) && f.messageIds.every((id) => typeof id === 'string'), `messageIds of ${fctx}`);
    assert.ok(Array.isArray(f.seqs) && f.seqs.every((s) => Number.isInteger(s)), `seqs of ${fctx}`);
  }
  for (const s of SEVERITIES) {
    assert.equal(r.counts[s], r.flags.filter((f) => f.severity === s).length, `counts.${s} vs flags\n${ctx}`);
  }
  if (failOn !== 'never') {
    const failing = r.flags.filter((f) => RANK[f.severity] >= RANK[failOn]).length;
    assert.equal(res.status, failing > 0 ? 1 : 0,
      `exit status with ${failing} flag(s) at or above --fail-on ${failOn}\n${ctx}`);
  } else {
    assert.equal(res.status, 0, `--fail-on never exits 0\n${ctx}`);
  }
  return r;
}

/** Flags of one rule. */
export function flagsOf(report, rule) {
  return report.flags.filter((f) => f.rule === rule);
}

/** A comparable, order-independent summary of the flags (for comparing inputs). */
export function flagKeys(report, { withSeqs = true } = {}) {
  return report.flags.map((f) => JSON.stringify({
    rule: f.rule, severity: f.severity, userId: f.userId, anonymousId: f.anonymousId,
    messageIds: [...f.messageIds].sort(),
    ...(withSeqs ? { seqs: [...f.seqs].sort((a, b) => a - b) } : {}),
  })).sort();
}

/** One line per flag, for failure messages. */
export function describeFlags(report) {
  if (!report?.flags) return '(no report)';
  return report.flags.map((f) => `  ${f.severity} ${f.rule} user=${f.userId} anon=${f.anonymousId} ` +
    `seqs=${JSON.stringify(f.seqs)} mids=${JSON.stringify(f.messageIds)} — ${f.summary}`).join('\n') || '  (no flags)';
}
