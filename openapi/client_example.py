"""Drives a live payrange through the Python client generated from openapi/openapi.json.

register -> sign in -> predict (with wait) -> get -> history -> sign out, asserting the outcome
of each step (the explanation's terms, and the likely range when the model gives one), then
that the token is refused after sign-out. Run by openapi/client.sh, which
generates and installs the client (package `payrange_client`) and starts the server.

Usage: python openapi/client_example.py BASE_URL   (e.g. http://127.0.0.1:8080/api/v1)
"""

import io
import sys
import time
import uuid

from payrange_client import AuthenticatedClient, Client
from payrange_client.api.accounts import me, register, sign_in, sign_out
from payrange_client.api.predictions import (
    clear_outcome,
    get_batch,
    get_batch_results,
    get_prediction,
    list_predictions,
    record_outcome,
    submit_batch,
    submit_batch_csv,
    submit_prediction,
)
from payrange_client.api.system import get_model, list_models
from payrange_client.models import (
    BatchDto,
    BatchItemDto,
    BatchItemsDto,
    BatchSubmittedDto,
    Credentials,
    Registration,
    ErrorBody,
    MarketDto,
    ModelDto,
    OutcomeDto,
    OutcomeRequest,
    PayBasisDto,
    PredictionDto,
    PredictionPage,
    RoleDto,
    SessionDto,
    StatusDto,
    TermSourceDto,
    UserDto,
    VacancyDto,
)
from payrange_client.types import UNSET, File


def check(condition: bool, what: str, response=None) -> None:
    if not condition:
        got = f" (got {response.status_code}: {response.content!r})" if response is not None else ""
        raise AssertionError(what + got)
    print(f"ok: {what}")


def main(base_url: str) -> None:
    email = f"Client-{uuid.uuid4().hex[:12]}@Example.com"
    password = "a generated client, a real server"
    # Undocumented statuses raise instead of passing silently.
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)

    # Register.
    r = register.sync_detailed(client=anonymous, body=Registration(email=email, password=password))
    check(r.status_code == 201, "register answers 201", r)
    user = r.parsed
    check(isinstance(user, UserDto), "register returns the user")
    check(user.email == email.lower(), "the email is stored in lower case")
    check(user.role == RoleDto.USER, "a new account has the role `user`")

    # Registering the same email again is refused with a stable code.
    r = register.sync_detailed(client=anonymous, body=Registration(email=email, password=password))
    check(r.status_code == 409 and isinstance(r.parsed, ErrorBody), "a second registration answers 409")
    check(r.parsed.code == "email_taken", "... with code `email_taken`")

    # Sign in.
    r = sign_in.sync_detailed(client=anonymous, body=Credentials(email=email, password=password))
    check(r.status_code == 200, "sign-in answers 200", r)
    session = r.parsed
    check(isinstance(session, SessionDto) and len(session.token) > 20, "sign-in returns a token")
    check(session.user.id == user.id, "the session belongs to the registered user")
    check("HttpOnly" in r.headers.get("set-cookie", ""), "the session cookie is HttpOnly")

    client = AuthenticatedClient(base_url=base_url, token=session.token, raise_on_unexpected_status=True)
    r = me.sync_detailed(client=client)
    check(r.status_code == 200 and r.parsed.id == user.id, "the token identifies the user")

    # Predict, waiting for the result.
    vacancy = VacancyDto(
        name="Senior Python developer",
        description="Django, PostgreSQL, Docker. Опыт от 5 лет.",
        area="Москва",
    )
    r = submit_prediction.sync_detailed(client=client, body=vacancy, wait=30)
    check(r.status_code == 200, "a prediction with wait=30 answers 200", r)
    done = r.parsed
    check(isinstance(done, PredictionDto), "the answer is a prediction")
    check(done.status == StatusDto.DONE, f"the prediction is done (status {done.status})")
    check(done.name == vacancy.name and done.area == vacancy.area, "it echoes the vacancy")
    check(
        done.salary_from is not UNSET and done.salary_to is not UNSET and 0 < done.salary_from <= done.salary_to,
        f"it has a range 0 < from <= to ({done.salary_from} .. {done.salary_to})",
    )
    check(done.currency == "RUB", "the bundled model predicts roubles (ISO 4217)")
    check(done.explanation is not UNSET and len(done.explanation.salary_from) > 0, "it explains the range")
    terms = done.explanation.salary_from + done.explanation.salary_to
    check(
        all(isinstance(t.source, TermSourceDto) and t.term and ":" not in t.term for t in terms),
        "each term is a word with its source: " + ", ".join(f"{t.term} ({t.source})" for t in terms[:3]),
    )
    check(
        all((t.amount > 0) == (t.contribution > 0) for t in terms),
        "... and an amount in roubles in the direction of its contribution: "
        + ", ".join(f"{t.amount:+,.0f}" for t in terms[:3]),
    )
    check(isinstance(done.explanation.pay_basis, PayBasisDto), "it says whether pay is before or after tax")

    # The likely range: all four fields, or none (a model without calibration).
    r = get_model.sync_detailed(client=anonymous)
    check(r.status_code == 200 and isinstance(r.parsed, ModelDto), "the model endpoint answers 200")
    model = r.parsed
    likely = (done.likely_from, done.likely_to, done.level, done.confidence)
    if model.likely not in (UNSET, None):
        check(all(x not in (UNSET, None) for x in likely), "a calibrated model gives a likely range")
        check(done.likely_from <= done.likely_to, "likely_from <= likely_to")
        check(done.level == model.likely.level, f"at the model's level ({done.level})")
        check(str(done.confidence) in ("high", "medium", "low"), f"with a confidence label ({done.confidence})")
        print(
            f"likely range ({done.level:.0%}): {done.likely_from:,.0f} - {done.likely_to:,.0f} {done.currency},"
            f" {done.confidence} confidence; model coverage {model.likely.coverage:.1%}"
        )
    else:
        check(all(x in (UNSET, None) for x in likely), "an uncalibrated model gives no likely range")

    # Get it again.
    r = get_prediction.sync_detailed(done.id, client=client)
    check(r.status_code == 200, "get answers 200", r)
    got = r.parsed
    check(got.id == done.id and got.status == StatusDto.DONE, "get returns the same, finished prediction")
    check((got.salary_from, got.salary_to) == (done.salary_from, done.salary_to), "with the same range")

    r = get_prediction.sync_detailed(uuid.uuid4(), client=client)
    check(r.status_code == 404 and r.parsed.code == "not_found", "an unknown id answers 404 `not_found`")

    # The real salary, recorded, read back, refused when wrong, and cleared.
    real = OutcomeRequest(salary_from=round(done.salary_from) + 10000, salary_to=round(done.salary_to), kind="offered")
    r = record_outcome.sync_detailed(done.id, client=client, body=real)
    check(r.status_code == 200 and isinstance(r.parsed, OutcomeDto), "recording the real salary answers 200", r)
    check(r.parsed.salary_from == real.salary_from and r.parsed.currency == done.currency, "with the outcome as stored")
    got = get_prediction.sync_detailed(done.id, client=client).parsed
    check(got.outcome.salary_to == real.salary_to and got.outcome.kind == "offered", "the prediction carries it")
    r = record_outcome.sync_detailed(done.id, client=client, body=OutcomeRequest(salary_from=5, salary_to=1))
    check(r.status_code == 422 and r.parsed.details[0].field == "salary_from", "an inverted range answers 422", r)
    r = clear_outcome.sync_detailed(done.id, client=client)
    check(r.status_code == 204, "clearing it answers 204", r)
    got = get_prediction.sync_detailed(done.id, client=client).parsed
    check(got.outcome in (UNSET, None), "and it is gone")
    print("real salary: recorded, read back, refused when inverted, cleared")

    # History.
    r = list_predictions.sync_detailed(client=client, limit=10)
    check(r.status_code == 200 and isinstance(r.parsed, PredictionPage), "history answers 200 with a page")
    page = r.parsed
    check([p.id for p in page.items] == [done.id], "the history holds exactly the one prediction")
    check(page.next_cursor in (UNSET, None), "and no further page")
    check(page.items[0].market == MarketDto.RU, "Russian text is priced in the `ru` market")

    # A UK vacancy, its market named: the Adzuna model, pounds a year.
    r = submit_prediction.sync_detailed(
        client=client,
        body=VacancyDto(
            name="Staff Nurse",
            description="Full time staff nurse for a surgical ward in a Leeds NHS hospital.",
            area="Leeds",
            market="uk",
        ),
        wait=30,
    )
    check(r.status_code == 200 and r.parsed.status == StatusDto.DONE, "a UK prediction is done", r)
    uk = r.parsed
    check(uk.market == MarketDto.UK and uk.currency == "GBP", f"it is priced in pounds ({uk.currency})")
    r = list_models.sync_detailed(client=anonymous)
    check(r.status_code == 200, "the models endpoint answers 200", r)
    served = {m.market: m for m in r.parsed}
    check(set(served) == {MarketDto.RU, MarketDto.UK}, "it lists the `ru` and `uk` models")
    check(uk.model_version == served[MarketDto.UK].version, "the UK prediction came from the `uk` model")
    print(f"UK estimate: {uk.salary_from:,.0f} - {uk.salary_to:,.0f} {uk.currency} a year")

    # A batch as JSON: a bad row is refused with its line, the others go ahead.
    items = BatchItemsDto(
        items=[
            BatchItemDto(name="Data engineer", description="Spark, Airflow, Python. Опыт от 3 лет.", area="Москва"),
            BatchItemDto(name="", description="A row without a title"),
            BatchItemDto(name="Бухгалтер", description="1С, первичная документация, отчётность."),
        ]
    )
    r = submit_batch.sync_detailed(client=client, body=items)
    check(r.status_code == 201 and isinstance(r.parsed, BatchSubmittedDto), "a JSON batch answers 201", r)
    json_batch = r.parsed
    check([a.line for a in json_batch.accepted] == [1, 3], "rows 1 and 3 are accepted")
    refused = [(x.line, x.field, x.code) for x in json_batch.rejected]
    check(
        {line for line, _, _ in refused} == {2} and (2, "name", "validation_failed") in refused,
        f"row 2 is refused for its name: {[(x.line, x.message) for x in json_batch.rejected]}",
    )

    # The same as a CSV file: line numbers count the header.
    csv_file = "name,description\r\nQA engineer,\"Autotests, CI, Python\"\r\n".encode()
    r = submit_batch_csv.sync_detailed(
        client=client, body=File(payload=io.BytesIO(csv_file), file_name="batch.csv", mime_type="text/csv")
    )
    check(r.status_code == 201 and [a.line for a in r.parsed.accepted] == [2], "a CSV batch answers 201, line 2 taken", r)
    csv_batch = r.parsed

    for batch in (json_batch.batch, csv_batch.batch):
        deadline = time.monotonic() + 30
        while True:
            r = get_batch.sync_detailed(batch.id, client=client)
            check(r.status_code == 200 and isinstance(r.parsed, BatchDto), "batch progress answers 200", r)
            if r.parsed.done or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        progress = r.parsed
        check(progress.done and progress.succeeded == progress.total, f"batch {batch.id} finished: {progress.succeeded}/{progress.total}")
    r = get_batch_results.sync_detailed(json_batch.batch.id, client=client)
    check(r.status_code == 200, "the results download answers 200", r)
    results = r.parsed.payload.read() if isinstance(r.parsed, File) else r.parsed
    results = results.decode() if isinstance(results, bytes) else results
    lines = [line for line in results.splitlines() if line]
    check(len(lines) == 3 and "Data engineer" in lines[1] and "Бухгалтер" in lines[2], "the results CSV has a header and both rows")

    # Sign out; the token stops working at once.
    r = sign_out.sync_detailed(client=client)
    check(r.status_code == 204, "sign-out answers 204", r)
    r = me.sync_detailed(client=client)
    check(r.status_code == 401 and r.parsed.code == "unauthorized", "after sign-out the token gets 401")
    r = list_predictions.sync_detailed(client=client)
    check(r.status_code == 401, "... on every operation")

    print("client example: all steps passed")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
