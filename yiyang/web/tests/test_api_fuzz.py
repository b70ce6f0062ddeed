"""Bad input never makes the API answer 500: schemathesis generates requests (valid and invalid)
from our own OpenAPI document for every operation, sent as a logged-in doctor."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from yiyang.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():  # type: ignore[no-untyped-def]
    """The WSGI app closes "obsolete" connections after each request, and inside the test's
    transaction PostgreSQL's connection looks obsolete; Django's own test Client disconnects the
    same signal handlers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def doctor_headers(demo_db):  # type: ignore[no-untyped-def]
    from yiyang.accounts.models import ApiToken, User

    return {"Authorization": f"Bearer {ApiToken.issue(User.objects.get(username='doctor_sj'))}"}


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    database=None,
    derandomize=True,
)
def test_no_request_makes_the_api_answer_500(case, doctor_headers):
    response = case.call(headers=doctor_headers)
    assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:500])
