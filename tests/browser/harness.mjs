// Shared helpers: start a real `payrange serve` on a free port, launch Chromium.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, readFileSync, existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SHOTS = path.join(HERE, 'screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server in a fresh temp dir. With UI_MOCK=1 runs mock-server.mjs
 * instead (UI development only). `settings` adds PAYRANGE_* variables. Returns
 * { base, stop, logFile }.
 */
export async function startServer(settings = {}) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'payrange-ui-'));
  const logFile = path.join(dir, 'server.log');
  const log = openSync(logFile, 'a');
  // The server reads every PAYRANGE_* variable as a setting and rejects unknown ones, so
  // the test runner's own (PAYRANGE_BIN) must not leak into its environment.
  const inherited = { ...process.env };
  delete inherited.PAYRANGE_BIN;
  const env = {
    ...inherited,
    PAYRANGE_BIND: `127.0.0.1:${port}`,
    PAYRANGE_DATABASE_URL: `sqlite://${dir}/payrange.db?mode=rwc`,
    ...settings,
  };
  let cmd, args;
  if (process.env.UI_MOCK === '1') {
    cmd = process.execPath;
    args = [path.join(HERE, 'mock-server.mjs')];
  } else {
    cmd = path.resolve(HERE, process.env.PAYRANGE_BIN || '../../target/debug/payrange');
    if (!existsSync(cmd)) throw new Error(`payrange binary not found at ${cmd}: run \`cargo build -p payrange-app\` or set PAYRANGE_BIN`);
    args = ['serve'];
  }
  const child = spawn(cmd, args, { cwd: dir, env, stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + Number(process.env.UI_READY_TIMEOUT_MS || 180000);
  for (;;) {
    if (exited) throw new Error(`server exited early (${JSON.stringify(exited)}):\n${tail(logFile)}`);
    try {
      const r = await fetch(`${base}/api/v1/health/ready`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready in time:\n${tail(logFile)}`);
    }
    await sleep(250);
  }
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      for (let i = 0; i < 40 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
    }
    if (!process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  };
  return { base, stop, logFile, dir };
}

/**
 * Starts the production topology instead of the embedded one: a fresh PostgreSQL database and
 * RabbitMQ queue (on the servers of TEST_DATABASE_URL and TEST_AMQP_URL, as the API tests
 * use), `payrange migrate`, one `serve` (through startServer) and one `worker`. Returns what
 * startServer does; its stop() also stops the worker and drops the database and queues.
 * Without those variables returns null (the caller skips), except under CI=true: then throws.
 */
export async function startProduction(settings = {}) {
  const admin = process.env.TEST_DATABASE_URL;
  const amqp = process.env.TEST_AMQP_URL;
  if (!admin || !amqp) {
    if (process.env.CI === 'true') throw new Error('CI=true needs TEST_DATABASE_URL and TEST_AMQP_URL for the production-mode browser tests');
    return null;
  }
  const name = `ui_${Date.now()}_${process.pid}`;
  const psql = (sql) => {
    const r = spawnSync('psql', [admin, '-qc', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr || r.error}`);
  };
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const production = {
    PAYRANGE_DATABASE_URL: url.toString(),
    PAYRANGE_AMQP_URL: amqp,
    PAYRANGE_AMQP_QUEUE: name,
    PAYRANGE_TOKEN_KEY: '5a'.repeat(32),
    ...settings,
  };
  const env = { ...process.env, ...production };
  delete env.PAYRANGE_BIN;
  const cmd = path.resolve(HERE, process.env.PAYRANGE_BIN || '../../target/debug/payrange');
  const migrated = spawnSync(cmd, ['migrate'], { env, encoding: 'utf8' });
  if (migrated.status !== 0) throw new Error(`payrange migrate: ${migrated.stderr}`);
  const server = await startServer(production);
  const workerLog = path.join(server.dir, 'worker.log');
  const log = openSync(workerLog, 'a');
  const worker = spawn(cmd, ['worker'], {
    cwd: server.dir, env: { ...env, PAYRANGE_WORKER_BIND: `127.0.0.1:${await freePort()}` }, stdio: ['ignore', log, log],
  });
  let workerExited = false;
  worker.on('exit', () => { workerExited = true; });
  const stopServe = server.stop;
  server.stop = async () => {
    if (!workerExited) {
      worker.kill('SIGTERM');
      for (let i = 0; i < 40 && !workerExited; i++) await sleep(100);
      if (!workerExited) worker.kill('SIGKILL');
    }
    await stopServe();
    psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    for (const q of [name, `${name}.dead`]) spawnSync('rabbitmqctl', ['-q', 'delete_queue', q]);
  };
  server.workerLog = workerLog;
  return server;
}

function tail(file) {
  try { return readFileSync(file, 'utf8').split('\n').slice(-40).join('\n'); } catch { return '(no log)'; }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * A browser context that enforces the pages' Content-Security-Policy as any browser does
 * (no `bypassCSP`) and hands each violation to `onCsp` as "directive blocked-URI at URL".
 * axe-core comes in as an init script, which CSP does not govern (the pages allow no eval
 * or inline script).
 */
export async function newContext(browser, viewport, locale, onCsp) {
  const c = await browser.newContext({ viewport, locale, acceptDownloads: true });
  c.setDefaultTimeout(Number(process.env.UI_TIMEOUT_MS || 30000));
  await c.exposeBinding('__cspViolation', (_, v) => onCsp(v));
  await c.addInitScript(() => document.addEventListener('securitypolicyviolation',
    (e) => window.__cspViolation(`${e.effectiveDirective} ${e.blockedURI} at ${location.href}`)));
  await c.addInitScript({ content: AXE });
  return c;
}

/**
 * Runs the `payrange` binary with `args` on the database of `server` (a `startServer` one),
 * `stdin` on its standard input; resolves to its output, rejects if it fails.
 */
export function payrangeCli(server, args, stdin = '') {
  const env = { ...process.env, PAYRANGE_DATABASE_URL: `sqlite://${server.dir}/payrange.db?mode=rwc`, PAYRANGE_LOG: 'warn' };
  delete env.PAYRANGE_BIN;
  const bin = path.resolve(HERE, process.env.PAYRANGE_BIN || '../../target/debug/payrange');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: server.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`payrange ${args.join(' ')} exited ${code}: ${out}`))));
    child.stdin.end(stdin);
  });
}

/** Makes an administrator on the database of `server`, as an operator does. */
export function createAdmin(server, email, password) {
  return payrangeCli(server, ['admin', 'create-user', '--email', email, '--admin'], `${password}\n`);
}

/**
 * A page of a fresh context (viewport and language of `m`) on `url`, a page of the app, and
 * then, unless `email` is null, signed in through the API as the sign-in form would: the
 * browser keeps the session cookie. The caller goes on to where its test starts.
 */
export async function signedInPage(browser, { viewport, lang }, url, email, password, onCsp) {
  const ctx = await newContext(browser, viewport, lang === 'ru' ? 'ru-RU' : 'en-US', onCsp);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('pageerror:', e));
  await page.goto(url);
  await page.locator('h1').waitFor();
  if (email !== null) {
    const status = await page.evaluate(async ([e, p]) => (await fetch('/api/v1/sessions', {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: e, password: p }),
    })).status, [email, password]);
    assert.equal(status, 200, 'sign-in through the API');
  }
  return { ctx, page };
}

/**
 * Runs axe-core (loaded by `newContext`) on the page; fails on any critical, serious or
 * moderate violation.
 */
export async function assertAccessible(p, what) {
  const violations = await p.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => ['critical', 'serious', 'moderate'].includes(v.impact))
      .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `axe-core on ${what}`);
}
