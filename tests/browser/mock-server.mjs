// A stand-in for `payrange serve` that follows the /api/v1 contract, for working on
// the UI while the real server is not built. It is NOT what the tests are meant to
// run against: set UI_MOCK=1 to use it (see README). Listens on PAYRANGE_BIND.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../app/web');
const [host, port] = (process.env.PAYRANGE_BIND || '127.0.0.1:8080').split(':');
const users = new Map(); // email -> {id, email, password, role, created_at}
const sessions = new Map(); // token -> email
const preds = []; // newest last
const COMMON = new Set(['password1234', 'qwerty123456', '123456789012', 'passwordpassword']);
const failures = new Map();

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}
const err = (res, status, code, message, details, headers) => send(res, status, { code, message, ...(details ? { details } : {}) }, headers);

function who(req) {
  const m = /(?:^|;\s*)payrange_session=([^;]+)/.exec(req.headers.cookie || '');
  const email = m && sessions.get(m[1]);
  return email ? users.get(email) : null;
}

async function body(req) {
  let s = '';
  for await (const c of req) s += c;
  try { return JSON.parse(s || '{}'); } catch { return null; }
}

function publicUser(u) { return { id: u.id, email: u.email, role: u.role, created_at: u.created_at }; }

// Terms as the API gives them: the word, where it was found, its push on ln(bound) and the
// same push in money, bound × (1 − e^−contribution).
function explain(name, description, base, bound) {
  const words = (text) => [...new Set(text.toLowerCase().match(/[\p{L}\d+#]+/gu) || [])];
  const pick = [...words(name).slice(0, 3).map((w) => ['title', w]), ...words(description).slice(0, 9).map((w) => ['description', w])];
  return pick.map(([source, term]) => {
    const contribution = Math.round((Math.sin(term.length * 7 + base) * 0.25) * 1000) / 1000;
    return { term, source, contribution, amount: bound * (1 - Math.exp(-contribution)) };
  });
}

// "от 250 000 до 350 000 руб." / "from 250000 to 350000": the stated figures, if any.
function statedSalary(text) {
  const m = /(?:от|from)\s*([\d\s]{4,})\D{0,12}?(?:до|to)\s*([\d\s]{4,})/i.exec(text);
  if (!m) return null;
  const num = (x) => Number(x.replace(/\s/g, ''));
  return { from: num(m[1]), to: num(m[2]), effect: 'moved_towards' };
}

function payBasis(text) {
  if (/на руки|\bnet\b|after tax/i.test(text)) return 'net';
  if (/\bgross\b|до вычета/i.test(text)) return 'gross';
  return 'unstated';
}

const LEVEL = 0.8;

function confidence(from, to) {
  const rel = (to - from) / (to + from);
  return rel <= 0.15 ? 'high' : rel <= 0.3 ? 'medium' : 'low';
}

function finish(p) {
  const seed = [...p.name].reduce((a, c) => a + c.charCodeAt(0), 0);
  const from = 60000 + (seed % 90) * 1000;
  const to = Math.round(from * 1.45);
  p.status = 'done';
  p.salary_from = from;
  p.salary_to = to;
  p.currency = 'RUR';
  p.model_version = 'mock-2026.11';
  // Wider when the description says little, as the real model's is.
  const mid = (from + to) / 2, half = mid * (p.description.length < 300 ? 0.4 : 0.12);
  p.likely_from = mid - half;
  p.likely_to = mid + half;
  p.level = LEVEL;
  p.confidence = confidence(p.likely_from, p.likely_to);
  p.explanation = {
    salary_from: explain(p.name, p.description, 1, from).concat(p.area ? [{ term: p.area.toLowerCase(), source: 'area', contribution: 0.12, amount: from * (1 - Math.exp(-0.12)) }] : []),
    salary_to: explain(p.name, p.description, 2, to),
    stated_salary: statedSalary(p.description),
    pay_basis: payBasis(p.description),
  };
  p.finished_at = new Date().toISOString();
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (!p.startsWith('/api/')) {
    const file = p === '/' ? '/index.html' : p;
    try {
      const data = await readFile(path.join(WEB, path.normalize(file).replace(/^(\.\.[/\\])+/, '')));
      res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream' });
      return res.end(data);
    } catch { return err(res, 404, 'not_found', 'not found'); }
  }
  if (p === '/api/v1/health/ready') return send(res, 200, { status: 'ready' });
  if (p === '/api/v1/users' && req.method === 'POST') {
    const b = await body(req);
    if (!b) return err(res, 400, 'bad_request', 'invalid JSON');
    const details = [];
    if (!b.email || !/^[^\s@]+@[^\s@]+$/.test(b.email)) details.push({ field: 'email', message: 'must be a valid email address' });
    const pw = b.password || '';
    if (pw.length < 12) details.push({ field: 'password', message: 'must be at least 12 characters' });
    else if (pw.length > 128) details.push({ field: 'password', message: 'must be at most 128 characters' });
    else if (COMMON.has(pw.toLowerCase())) details.push({ field: 'password', message: 'is too common' });
    if (details.length) return err(res, 422, 'validation_failed', 'validation failed', details);
    const email = b.email.trim().toLowerCase();
    if (users.has(email)) return err(res, 409, 'email_taken', 'email already registered');
    const u = { id: randomUUID(), email, password: pw, role: 'user', created_at: new Date().toISOString() };
    users.set(email, u);
    return send(res, 201, publicUser(u));
  }
  if (p === '/api/v1/sessions' && req.method === 'POST') {
    const b = (await body(req)) || {};
    const email = String(b.email || '').trim().toLowerCase();
    const n = failures.get(email) || 0;
    if (n >= 5) return err(res, 429, 'too_many_requests', 'too many attempts', null, { 'Retry-After': '30' });
    const u = users.get(email);
    if (!u || u.password !== b.password) { failures.set(email, n + 1); return err(res, 401, 'invalid_credentials', 'invalid email or password'); }
    failures.delete(email);
    const token = randomUUID();
    sessions.set(token, email);
    return send(res, 200, { token, expires_at: new Date(Date.now() + 864e5).toISOString(), user: publicUser(u) },
      { 'Set-Cookie': `payrange_session=${token}; HttpOnly; SameSite=Strict; Path=/` });
  }
  const u = who(req);
  if (p === '/api/v1/model' && req.method === 'GET') {
    return send(res, 200, { version: 'mock-2026.11', trained_at: '2026-11-20T10:00:00Z', currency: 'RUR', data_file: 'vacancies.csv', training_rows: 18234,
      metrics: { salary_from: { mae: 21500, mape: 0.19, r2: 0.52 }, salary_to: { mae: 31200, mape: 0.21, r2: 0.47 }, coverage: 0.61 },
      likely: { level: LEVEL, coverage: 0.79, mean_width: 98000 } });
  }
  if (!u) return err(res, 401, 'unauthorized', 'authentication required');
  if (p === '/api/v1/sessions/current' && req.method === 'DELETE') {
    const m = /(?:^|;\s*)payrange_session=([^;]+)/.exec(req.headers.cookie || '');
    sessions.delete(m[1]);
    res.writeHead(204, { 'Set-Cookie': 'payrange_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0' });
    return res.end();
  }
  if (p === '/api/v1/users/me') return send(res, 200, publicUser(u));
  if (p === '/api/v1/predictions' && req.method === 'POST') {
    const b = await body(req);
    if (!b) return err(res, 400, 'bad_request', 'invalid JSON');
    const name = String(b.name || '').trim(), description = String(b.description || '').trim(), area = b.area ? String(b.area).trim() : null;
    const details = [];
    if (!name || name.length > 200) details.push({ field: 'name', message: 'must be 1..200 characters' });
    if (!description || description.length > 20000) details.push({ field: 'description', message: 'must be 1..20000 characters' });
    if (area && area.length > 100) details.push({ field: 'area', message: 'must be at most 100 characters' });
    if (details.length) return err(res, 422, 'validation_failed', 'validation failed', details);
    const pr = { id: randomUUID(), owner: u.id, status: 'queued', name, description, area: area || null, salary_from: null, salary_to: null, currency: null,
      likely_from: null, likely_to: null, level: null, confidence: null, model_version: null, explanation: null, error: null, created_at: new Date().toISOString(), started_at: null, finished_at: null };
    preds.push(pr);
    // A title with "slow" takes 4 s; one with "stuck" stays queued (for the slow-estimate view).
    const slow = /slow/i.test(name);
    if (!/stuck/i.test(name)) {
      setTimeout(() => { pr.status = 'running'; pr.started_at = new Date().toISOString(); }, slow ? 1500 : 50);
      setTimeout(() => finish(pr), slow ? 4000 : 150);
    }
    const wait = Math.min(Number(url.searchParams.get('wait') || 0), 1);
    await new Promise((r) => setTimeout(r, slow ? 0 : wait * 300));
    const { owner, ...out } = pr;
    return send(res, pr.status === 'done' ? 200 : 202, out, pr.status === 'done' ? {} : { Location: `/api/v1/predictions/${pr.id}` });
  }
  if (p === '/api/v1/predictions' && req.method === 'GET') {
    const limit = Math.max(1, Math.min(100, Number(url.searchParams.get('limit') || 20)));
    const mine = preds.filter((x) => x.owner === u.id).slice().reverse();
    const start = url.searchParams.get('cursor') ? Number(url.searchParams.get('cursor')) : 0;
    const items = mine.slice(start, start + limit).map(({ owner, ...x }) => x);
    return send(res, 200, { items, next_cursor: start + limit < mine.length ? String(start + limit) : null });
  }
  const m = /^\/api\/v1\/predictions\/([^/]+)$/.exec(p);
  if (m && req.method === 'GET') {
    const pr = preds.find((x) => x.id === m[1] && x.owner === u.id);
    if (!pr) return err(res, 404, 'not_found', 'prediction not found');
    const { owner, ...out } = pr;
    return send(res, 200, out);
  }
  return err(res, 404, 'not_found', 'no such route');
});
server.listen(Number(port), host);
