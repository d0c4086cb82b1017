"""Sign-in latency while 200 sign-ups arrive at once, over loopback.

Starts `payrange serve` (embedded SQLite in a temp dir), registers one user, then fires
200 concurrent sign-ups (distinct emails) while one client signs in 20 times in a row.
Prints sign-in p50/p95/max and how the sign-ups were answered. Bounded: 200 + 20 requests.
Usage: python3 signin_under_signups.py PATH_TO_PAYRANGE [SIGNUP_LIMIT]
"""
import http.client, json, os, socket, subprocess, sys, tempfile, threading, time

binary = sys.argv[1]
limit = sys.argv[2] if len(sys.argv) > 2 else None
with socket.socket() as s:
    s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
d = tempfile.mkdtemp()
env = {k: v for k, v in os.environ.items() if not k.startswith("PAYRANGE_")}
env.update(PAYRANGE_BIND=f"127.0.0.1:{port}",
           PAYRANGE_DATABASE_URL=f"sqlite://{d}/p.db?mode=rwc", PAYRANGE_LOG="warn")
if limit is not None:
    env["PAYRANGE_SIGNUP_MAX_PER_ADDRESS"] = limit
proc = subprocess.Popen([binary, "serve"], env=env, cwd=d, stderr=open(f"{d}/log", "w"))

def post(path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t = time.perf_counter()
    c.request("POST", path, json.dumps(body), {"content-type": "application/json"})
    r = c.getresponse(); r.read(); c.close()
    return r.status, time.perf_counter() - t

try:
    for _ in range(100):
        try:
            post("/api/v1/users", {"email": "owner@example.com", "password": "correct horse battery staple"}); break
        except OSError:
            time.sleep(0.1)
    codes = {}
    lock = threading.Lock()
    go = threading.Event()
    def signup(i):
        go.wait()
        st, _ = post("/api/v1/users", {"email": f"u{i}@example.com", "password": "another long password"})
        with lock: codes[st] = codes.get(st, 0) + 1
    threads = [threading.Thread(target=signup, args=(i,)) for i in range(200)]
    for t in threads: t.start()
    go.set(); time.sleep(0.05)
    lat = []
    for _ in range(20):
        st, dt = post("/api/v1/sessions", {"email": "owner@example.com", "password": "correct horse battery staple"})
        assert st == 200, st
        lat.append(dt * 1000)
    for t in threads: t.join()
    lat.sort()
    print(f"signup limit {limit or 'default'}: sign-ups {codes}; sign-in ms p50 {lat[9]:.0f} p95 {lat[18]:.0f} max {lat[-1]:.0f}")
finally:
    proc.terminate(); proc.wait()
