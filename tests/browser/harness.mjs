// Shared helpers: start a real `payrange serve` on a free port, launch Chromium.
import { spawn } from 'node:child_process';
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
