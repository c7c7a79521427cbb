// Helpers shared by the client end-to-end tests: run `trackscope-cli capture`
// on an ephemeral port and query the SQLite session file it writes.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

export const CLIENTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const READY_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 15000;
const READY_RE = /^listening on (http:\/\/127\.0\.0\.1:(\d+))\s*$/;

const requireHere = createRequire(path.join(CLIENTS_DIR, 'package.json'));

/**
 * Load an SDK installed in tests/clients/node_modules. Returns null when it is
 * not installed (no `npm ci` yet), so a test file can mark its tests skipped
 * instead of crashing on import; `make check` always runs `npm ci` first.
 */
export function loadPackage(name) {
  try {
    return { mod: requireHere(name), version: requireHere(`${name}/package.json`).version };
  } catch (err) {
    if (err.code === 'MODULE_NOT_FOUND') return null;
    throw err;
  }
}

export const NOT_INSTALLED = 'SDKs not installed: run `npm ci` in tests/clients (make check does)';

export function cliPath() {
  const cli = process.env.TRACKSCOPE_CLI;
  if (!cli) throw new Error('TRACKSCOPE_CLI is not set (path to the trackscope-cli binary)');
  return cli;
}

/**
 * Start `trackscope-cli capture --listen 127.0.0.1:0 --session <tmp>/s.trackscope`.
 * Resolves once the first stdout line `listening on http://127.0.0.1:PORT` arrived.
 * @returns {Promise<{url:string, port:number, sessionPath:string, dir:string,
 *   lines:string[], stderr:()=>string, stop:()=>Promise<void>, cleanup:()=>Promise<void>}>}
 */
export async function startCapture({ extraArgs = [] } = {}) {
  const cli = cliPath();
  const dir = await mkdtemp(path.join(tmpdir(), 'trackscope-clients-'));
  const sessionPath = path.join(dir, 's.trackscope');
  const args = ['capture', '--listen', '127.0.0.1:0', '--session', sessionPath, ...extraArgs];
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  const lines = []; // stdout lines after the "listening on" line (one per accepted message)
  let stderr = '';
  let stdoutBuf = '';
  let ready = null;
  let exited = null; // {code, signal}

  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    // spawn failures (ENOENT, EACCES) emit 'error' and never 'exit'
    child.on('error', (err) => {
      if (!exited) { exited = { code: null, signal: null, error: err }; resolve(exited); }
    });
  });

  const readyPromise = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`trackscope-cli did not print "listening on ..." within ${READY_TIMEOUT_MS} ms\n` +
        `argv: ${cli} ${args.join(' ')}\nstdout so far: ${stdoutBuf}\nstderr: ${stderr}`));
    }, READY_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run trackscope-cli (${cli}): ${err.message}`));
    });
    exitPromise.then(({ code, signal }) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`trackscope-cli exited (code ${code}, signal ${signal}) before it was ready\n` +
          `argv: ${cli} ${args.join(' ')}\nstdout: ${stdoutBuf}\nstderr: ${stderr}`));
      }
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdoutBuf += chunk;
      let nl;
      while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
        const line = stdoutBuf.slice(0, nl).replace(/\r$/, '');
        stdoutBuf = stdoutBuf.slice(nl + 1);
        if (!ready) {
          const m = READY_RE.exec(line);
          if (!m) {
            clearTimeout(timer);
            reject(new Error(`unexpected first stdout line from trackscope-cli: ${JSON.stringify(line)}\nstderr: ${stderr}`));
            return;
          }
          ready = { url: m[1], port: Number(m[2]) };
          clearTimeout(timer);
          resolve(ready);
        } else {
          lines.push(line);
        }
      }
    });
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr += chunk; });

  try {
    await readyPromise;
  } catch (err) {
    if (!exited) child.kill('SIGKILL');
    await exitPromise;
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    if (!exited) child.kill('SIGTERM');
    let timer;
    const res = await Promise.race([
      exitPromise,
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    if (res === null) {
      child.kill('SIGKILL');
      await exitPromise;
      assert.fail(`trackscope-cli did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM\nstderr:\n${stderr}`);
    }
    if (stdoutBuf) { lines.push(stdoutBuf); stdoutBuf = ''; }
    assert.ok(res.code === 0 && res.signal === null,
      `trackscope-cli capture should exit 0 on SIGTERM, got code ${res.code} signal ${res.signal}\n` +
      `stderr:\n${stderr}\nstdout lines:\n${lines.join('\n')}`);
  }

  async function cleanup() {
    if (!exited) { child.kill('SIGKILL'); await exitPromise; }
    if (!process.env.TRACKSCOPE_KEEP_SESSION) await rm(dir, { recursive: true, force: true });
  }

  return {
    url: ready.url, port: ready.port, sessionPath, dir, lines,
    stderr: () => stderr,
    stop, cleanup,
  };
}

/** Run `sqlite3 -json -readonly FILE SQL`; returns the parsed rows ([] when no output). */
export function query(sessionPath, sql) {
  const out = execFileSync('sqlite3', ['-json', '-readonly', sessionPath, sql], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
  });
  const text = out.trim();
  return text === '' ? [] : JSON.parse(text);
}

/** Poll fn() every intervalMs until it returns a truthy value; fail with describe() after timeoutMs. */
export async function waitFor(fn, { timeoutMs = 20000, intervalMs = 100, describe = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) {
      let what = '';
      try { what = await describe(); } catch (e) { what = `(describe failed: ${e.message})`; }
      assert.fail(`timed out after ${timeoutMs} ms${lastErr ? ` (last error: ${lastErr.message})` : ''}\n${what}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** All message rows with raw decoded as text, ordered by seq. */
export function messages(sessionPath, where = '1=1') {
  return query(sessionPath,
    `SELECT seq, request_id, batch_index, received_at, type, event, name, user_id, anonymous_id, previous_id, ` +
    `group_id, message_id, message_id_added, timestamp, sent_at, corrected_at, route, lane, remote_addr, user_agent, ` +
    `origin, write_key, auth_method, content_encoding, batch_context, batch_integrations, CAST(raw AS TEXT) AS raw ` +
    `FROM messages WHERE ${where} ORDER BY seq`);
}

/** All request rows (without the body blob), ordered by id. */
export function requests(sessionPath, where = '1=1') {
  return query(sessionPath,
    `SELECT id, received_at, method, path, route, lane, remote_addr, user_agent, origin, write_key, auth_method, ` +
    `content_type, content_encoding, headers, body_size, decoded_size, status, error_code, error_message, ` +
    `body_truncated, message_count, body IS NULL AS body_is_null FROM requests WHERE ${where} ORDER BY id`);
}

/** Short human-readable dump of what arrived, for failure messages. */
export function describeSession(sessionPath, cap) {
  const parts = [];
  try {
    const reqs = requests(sessionPath);
    parts.push(`requests (${reqs.length}):`);
    for (const r of reqs) {
      parts.push(`  #${r.id} ${r.method} ${r.path} route=${r.route} status=${r.status} msgs=${r.message_count}` +
        ` wk=${r.write_key} auth=${r.auth_method} enc=${r.content_encoding} err=${r.error_code ?? ''} ${r.error_message ?? ''}`);
    }
    const msgs = messages(sessionPath);
    parts.push(`messages (${msgs.length}):`);
    for (const m of msgs) {
      parts.push(`  seq=${m.seq} req=${m.request_id} ${m.type} route=${m.route} userId=${m.user_id} anon=${m.anonymous_id}` +
        ` prev=${m.previous_id} event=${m.event} name=${m.name} group=${m.group_id} mid=${m.message_id}`);
    }
  } catch (err) {
    parts.push(`(could not read session ${sessionPath}: ${err.message})`);
  }
  if (cap) {
    parts.push(`collector stdout lines (${cap.lines.length}):`, ...cap.lines.map((l) => `  ${l}`));
    const se = cap.stderr();
    if (se) parts.push('collector stderr:', se);
  }
  return parts.join('\n');
}

/** Basic auth header value the SDKs send for a write key. */
export function basicAuth(writeKey) {
  return 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64');
}

/**
 * Wait (bounded) until every messageId in `ids` is stored in the session of
 * `cap`; returns their message rows (see messages()) in the order of `ids`.
 */
export async function waitForMessageIds(cap, ids, { timeoutMs = 20000, describe } = {}) {
  const quoted = ids.map((id) => `'${String(id).replace(/'/g, "''")}'`).join(', ');
  let rows = [];
  await waitFor(() => {
    rows = messages(cap.sessionPath, `message_id IN (${quoted})`);
    return ids.every((id) => rows.some((r) => r.message_id === id));
  }, {
    timeoutMs,
    describe: async () => `waiting for messageIds ${ids.join(', ')} in ${cap.sessionPath}\n` +
      (describe ? await describe() : describeSession(cap.sessionPath, cap)),
  });
  return ids.map((id) => rows.find((r) => r.message_id === id));
}

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
