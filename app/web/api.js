// Thin client for the payrange JSON API. The session lives in the HttpOnly cookie
// set by POST /sessions: requests go out with credentials 'same-origin' and the
// token in the response body is deliberately ignored (never stored).

const BASE = '/api/v1';

export class ApiError extends Error {
  constructor({ status = 0, code = 'unknown', message = '', details = [], retryAfter = null } = {}) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
    this.retryAfter = retryAfter;
  }
}

const CODE_BY_STATUS = {
  400: 'bad_request', 401: 'unauthorized', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large',
  415: 'unsupported_media_type', 422: 'validation_failed', 429: 'too_many_requests', 500: 'internal',
  502: 'service_unavailable', 503: 'service_unavailable', 504: 'service_unavailable',
};

export async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(BASE + path, init);
  } catch (e) {
    throw new ApiError({ status: 0, code: 'network', message: String(e && e.message || e) });
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const ra = res.headers.get('Retry-After');
    const retryAfter = ra && /^\d+$/.test(ra.trim()) ? Number(ra.trim()) : null;
    const d = data && typeof data === 'object' ? data : {};
    throw new ApiError({
      status: res.status,
      code: typeof d.code === 'string' ? d.code : (CODE_BY_STATUS[res.status] || 'unknown'),
      message: typeof d.message === 'string' ? d.message : (text && !data ? text.slice(0, 200) : res.statusText),
      details: d.details,
      retryAfter,
    });
  }
  return { status: res.status, data, headers: res.headers };
}

export const api = {
  me: async () => (await request('GET', '/users/me')).data,
  signUp: async (email, password) => (await request('POST', '/users', { email, password })).data,
  signIn: async (email, password) => {
    const { data } = await request('POST', '/sessions', { email, password });
    return data && data.user ? data.user : null; // token intentionally dropped
  },
  signOut: async () => { await request('DELETE', '/sessions/current'); },
  predict: async (input, wait = 5) => (await request('POST', `/predictions?wait=${wait}`, input)).data,
  prediction: async (id) => (await request('GET', `/predictions/${encodeURIComponent(id)}`)).data,
  predictions: async (limit = 10, cursor = null) => {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    const { data } = await request('GET', `/predictions?${q}`);
    return { items: (data && data.items) || [], next_cursor: (data && data.next_cursor) || null };
  },
  model: async () => (await request('GET', '/model')).data,
  models: async () => (await request('GET', '/models')).data || [],
  exampleEstimate: async () => (await request('GET', '/estimates/example')).data,
  tryEstimate: async (input) => (await request('POST', '/estimates', input)).data,
};

// Server-side limits mirrored on the client.
export const LIMITS = {
  passwordMin: 12,
  passwordMax: 128,
  name: 200,
  description: 20000,
  area: 100,
};
