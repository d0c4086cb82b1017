"""Schemathesis hooks for payrange (loaded through `hooks` in openapi/schemathesis.toml).

Authentication. Every operation gets a bearer token of one fuzzing user, registered and signed
in at the first request and signed in again whenever a token is refused (401). The two
operations that revoke sessions get credentials of their own on every call, so that they run
for real without revoking the token every other operation shares:

- `signOut` (DELETE /sessions/current): a fresh sign-in of the shared user; signing out revokes
  only that new session.
- `changePassword` (PUT /users/me/password): a fresh user per call. A successful change revokes
  every session of its user and changes its password, and a wrong current password counts
  towards that account's sign-in throttle: neither may touch the shared user.
- `signOutEverywhere` (DELETE /sessions) and `deleteMyAccount` (DELETE /users/me): a fresh user
  per call as well. Signing out everywhere revokes every session of its user, and deleting the
  account (when the fuzzed password happens to be right) removes the user and its sessions, and
  a wrong password counts towards the sign-in throttle: done to the shared user, either would
  fail every later request of the run.

The admin operations (paths under `/admin/`) run as the administrator openapi/fuzz.sh creates with
`payrange admin create-user --admin` (FUZZ_ADMIN_EMAIL / FUZZ_ADMIN_PASSWORD), so that they are
tested for real rather than answering 403. They may disable any user, the shared one included
(links inferred from the user listing lead there): the shared session then re-enables its user
through the admin API and signs in again, as an operator would.

Rules the document cannot state. An outcome (PUT /predictions/{id}/outcome) needs at least one
bound, `salary_from` not above `salary_to`, and the currency of its estimate: the schema states
each field alone, so `filter_failure` drops the "schema-valid request rejected" failures that
break these rules, recognised by the server's own message, and `map_case` makes a schema-valid
outcome keep them (so that most of those sent test the handler rather than the rules). A model
upload is any bytes to the schema: `map_case` sends the bundled Adzuna model as a schema-valid
one, and `filter_failure` drops the 422 `model_invalid` of drawn bytes that get through anyway.

Likewise an e-mail address mixing scripts (`vіctim` with a Cyrillic `і`), or holding a refused
character beyond U+FFFF, is refused with 422 although the schema's pattern allows it (README,
"Security"). Most addresses drawn from the pattern mix scripts, so
`map_case` turns a schema-valid registration's address into one of a single script where
Unicode's character names show several (non-ASCII characters become `a`; the shape stays);
`filter_failure` drops the "schema-valid request rejected" failures of registration that get
through anyway, recognised by the server's own message. Likewise a new password that is one
character or a short pattern repeated, or a plain sequence (`000000000000`, Hypothesis's
favourite), is refused although the pattern allows it: `map_case` changes its second character.

The server's base URL comes from FUZZ_BASE_URL (openapi/fuzz.sh sets it), e.g.
http://127.0.0.1:18080/api/v1.
"""

import hashlib
import os
import pathlib
import threading
import unicodedata
import uuid

import requests
import schemathesis

BASE_URL = os.environ.get("FUZZ_BASE_URL", "http://127.0.0.1:8080/api/v1").rstrip("/")
PASSWORD = "fuzzing is a kind of testing, not of guessing"
REVOKING = ["signOut", "changePassword", "signOutEverywhere", "deleteMyAccount"]
# Every administrator operation, by path: a new one is covered without being listed here.
ADMIN_PATHS = "^/admin/"
ADMIN_EMAIL = os.environ.get("FUZZ_ADMIN_EMAIL", "")
MODEL_FILE = pathlib.Path(__file__).resolve().parent.parent / "ml" / "model" / "payrange-adzuna.model"
ADMIN_PASSWORD = os.environ.get("FUZZ_ADMIN_PASSWORD", "")


USER_IDS = {}


def _register(email: str) -> None:
    r = requests.post(f"{BASE_URL}/users", json={"email": email, "password": PASSWORD}, timeout=30)
    if r.status_code != 201:
        raise RuntimeError(f"registering {email}: {r.status_code} {r.text}")
    USER_IDS[email] = r.json()["id"]


def _sign_in(email: str, password: str = PASSWORD) -> str:
    r = requests.post(f"{BASE_URL}/sessions", json={"email": email, "password": password}, timeout=30)
    if r.status_code == 401 and email in USER_IDS and ADMIN_EMAIL:
        # Disabled by a fuzzed adminUpdateUser: enable it again and retry once.
        admin = _sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        requests.patch(
            f"{BASE_URL}/admin/users/{USER_IDS[email]}",
            json={"disabled": False},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=30,
        ).raise_for_status()
        r = requests.post(f"{BASE_URL}/sessions", json={"email": email, "password": password}, timeout=30)
    if r.status_code != 200:
        raise RuntimeError(f"signing in {email}: {r.status_code} {r.text}")
    return r.json()["token"]


def _new_user() -> str:
    email = f"fuzz-{uuid.uuid4().hex}@example.com"
    _register(email)
    return email


class _SharedUser:
    email = None
    lock = threading.Lock()

    @classmethod
    def get(cls) -> str:
        with cls.lock:
            if cls.email is None:
                cls.email = _new_user()
            return cls.email


def _bearer(case, token: str) -> None:
    case.headers = case.headers or {}
    case.headers["Authorization"] = f"Bearer {token}"


# Cached (and refreshed after a 401) by Schemathesis; refresh_interval is well under the
# token lifetime of 12 hours.
@schemathesis.auth(refresh_interval=600).skip_for(operation_id=REVOKING).skip_for(path_regex=ADMIN_PATHS)
class SharedSession:
    def get(self, case, ctx):
        return _sign_in(_SharedUser.get())

    def set(self, case, data, ctx):
        _bearer(case, data)


# Not cached: each call gets a session nobody else uses.
@schemathesis.auth(refresh_interval=None).apply_to(operation_id=REVOKING)
class OwnSession:
    def get(self, case, ctx):
        if ctx.operation.path == "/users/me/password":  # changePassword
            return _sign_in(_new_user())
        if case.method.upper() == "DELETE" and ctx.operation.path in ("/sessions", "/users/me"):
            # signOutEverywhere, deleteMyAccount: a fresh user per call (see the module doc).
            return _sign_in(_new_user())
        return _sign_in(_SharedUser.get())

    def set(self, case, data, ctx):
        _bearer(case, data)


# The administrator's session, cached like the shared one. An administrator cannot disable
# their own account (409), so fuzzing cannot lock it out.
@schemathesis.auth(refresh_interval=600).apply_to(path_regex=ADMIN_PATHS)
class AdminSession:
    def get(self, case, ctx):
        if not ADMIN_EMAIL:
            raise RuntimeError("FUZZ_ADMIN_EMAIL is not set: run through openapi/fuzz.sh")
        return _sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)

    def set(self, case, data, ctx):
        _bearer(case, data)


def _registration(case) -> bool:
    return case.method.upper() == "POST" and case.operation.path == "/users"


def _password_change(case) -> bool:
    return case.method.upper() == "PUT" and case.operation.path == "/users/me/password"


def _simple(password: str) -> bool:
    """The domain's `is_simple` (domain/src/models/password.rs): one character or a pattern of
    two or three repeated, or a sequence up or down (digits running on from 9 to 0)."""
    n = len(password)
    if any(n > unit and all(password[i] == password[i % unit] for i in range(unit, n)) for unit in (1, 2, 3)):
        return True

    def step(a: str, b: str) -> int:
        d = ord(b) - ord(a)
        if a in "0123456789" and b in "0123456789" and abs(d) == 9:
            return -d // 9
        return d

    steps = [step(a, b) for a, b in zip(password, password[1:])]
    return bool(steps) and abs(steps[0]) == 1 and all(s == steps[0] for s in steps)


def _not_simple(password: str) -> str:
    if len(password) < 2 or not _simple(password):
        return password
    return password[0] + ("y" if password[1] == "x" else "x") + password[2:]


def _one_script(email: str) -> str:
    """`email` as is when its letters seem to be of one script (by the first word of their
    Unicode names), else with every non-ASCII character but white space turned into `a`."""
    foreign = {unicodedata.name(c, "?").split()[0] for c in email if ord(c) > 127 and not c.isspace()}
    latin = any(c.isascii() and c.isalpha() for c in email)
    if len(foreign) + latin <= 1:
        return email
    return "".join("a" if ord(c) > 127 and not c.isspace() else c for c in email)


@schemathesis.hook
def map_case(ctx, case):
    meta = getattr(case, "meta", None)
    positive = meta is not None and meta.generation.mode.is_positive
    if positive and _registration(case) and isinstance(case.body, dict):
        email = case.body.get("email")
        if isinstance(email, str):
            case.body = {**case.body, "email": _one_script(email)}
    for applies, field in ((_registration, "password"), (_password_change, "new_password")):
        if positive and applies(case) and isinstance(case.body, dict):
            password = case.body.get(field)
            if isinstance(password, str):
                case.body = {**case.body, field: _not_simple(password)}
    if positive and _batch_upload(case) and isinstance(case.body, (str, bytes)):
        # A CSV batch is any bytes to the schema, but the server needs a header line naming
        # `name` and `description` and at least one row (else 422 `csv_header` or
        # `empty_batch`): the drawn bytes go between such a header and a row.
        body = case.body.encode() if isinstance(case.body, str) else case.body
        case.body = b"name,description\n" + body + b"\nA developer,Writes code\n"
    if positive and _outcome(case) and isinstance(case.body, dict):
        case.body = _outcome_within_the_unstated_rules(case.body)
    if positive and _model_upload(case):
        # A model file is any bytes to the schema, and drawn bytes are never a model: a
        # schema-valid upload sends a real one, the bundled Adzuna model (refused as
        # unjudged without `force`, stored with it, then a duplicate), with its own SHA-256 when
        # one is given.
        case.body = MODEL_FILE.read_bytes()
        if isinstance(case.query, dict) and case.query.get("sha256") is not None:
            case.query = {**case.query, "sha256": hashlib.sha256(case.body).hexdigest()}
    return case


def _outcome_within_the_unstated_rules(body: dict) -> dict:
    """A drawn outcome made to keep the rules between its fields (see the module doc): at
    least one bound, `salary_from` not above `salary_to`, and no currency (the estimate's;
    which one it is depends on the estimate's market)."""
    body = {**body, "currency": None}
    low, high = body.get("salary_from"), body.get("salary_to")
    if not isinstance(low, (int, float)) and not isinstance(high, (int, float)):
        body["salary_to"] = 150000.0
    elif isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
        body["salary_from"], body["salary_to"] = high, low
    return body


def _model_upload(case) -> bool:
    return case.method.upper() == "POST" and case.operation.path == "/admin/models"


def _outcome(case) -> bool:
    return case.method.upper() == "PUT" and case.operation.path == "/predictions/{id}/outcome"


# The server's messages for the outcome rules between fields (domain/src/models/outcome.rs).
OUTCOME_RULES = ["give salary_from, salary_to or both", "must not be above salary_to", "the currency of the estimate"]


def _batch_submission(case) -> bool:
    return case.method.upper() == "POST" and case.operation.path in ("/batches", "/batches/csv")


def _batch_upload(case) -> bool:
    return case.method.upper() == "POST" and case.operation.path == "/batches/csv"


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    # A batch is judged row by row, not by the schema: rows that break the rules of a single
    # prediction (a null or empty name, unknown fields, a blank CSV line) are listed as
    # refused in a 201 while the other rows go ahead, and a body that cannot be read at all
    # is a 422. Schemathesis's whole-body positive/negative data checks do not describe that.
    if _batch_submission(case) and type(failure).__name__ in ("RejectedPositiveData", "AcceptedNegativeData"):
        return False
    # A model file is any bytes to the schema and is judged by its content: drawn bytes are
    # not a model (422 `model_invalid`).
    if _model_upload(case) and type(failure).__name__ == "RejectedPositiveData" and response.status_code == 422:
        return False
    if type(failure).__name__ != "RejectedPositiveData" or response.status_code != 422:
        return True
    if not (_registration(case) or _password_change(case) or _outcome(case)):
        return True
    try:
        detail = response.json()["details"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return True
    if _outcome(case):
        message = detail.get("message", "")
        return not any(rule in message for rule in OUTCOME_RULES)
    if detail.get("field") in ("password", "new_password") and "too simple" in detail.get("message", ""):
        return False
    email = case.body.get("email") if isinstance(case.body, dict) else None
    unstated = "mix scripts" in detail.get("message", "") or (
        isinstance(email, str) and any(ord(c) > 0xFFFF for c in email)
    )
    return not (detail.get("field") == "email" and unstated)
