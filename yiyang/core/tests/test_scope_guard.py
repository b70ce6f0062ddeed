"""A view, API handler, form or presenter that queries a scoped record directly fails here, not in
production: every record that reaches an elder (or a report, scorecard, declaration…) is read through
``core.scoping`` or its app's ``access`` module (see :mod:`.scope_guard`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from .scope_guard import find_unscoped, modules_in, scan, scanned_modules, scoped_models

ROOT = Path(__file__).resolve().parents[3]

#: (module, model) → why the direct query is safe. Keep it small: prefer a scoped helper. An entry
#: that no longer occurs fails the test, so the list only shrinks.
ALLOWED: dict[tuple[str, str], str] = {}


def _modules() -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in scanned_modules(ROOT)]


def test_scoped_models_are_every_model_with_a_path_to_an_elder_or_an_access_record():
    names = set(scoped_models())
    # direct, and through a chain of foreign keys (delivery → contract service → contract → elder)
    assert {"Elder", "EmergencyContact", "HealthCheck", "AssessmentResponse"} <= names
    assert {"ChronicFollowUp", "ContractService", "ServiceDelivery", "Medication"} <= names
    # records scoped by region or institution, and what hangs off them
    assert {"Report", "ScorecardAssessment", "ScorecardItemScore", "ScorecardEvent", "Declaration"} <= names
    assert not {"Region", "Institution", "User", "IndicatorValue"} & names


def test_the_scan_covers_the_views_api_forms_and_presenters_of_every_app():
    modules = _modules()
    for expected in [
        "yiyang/api.py",
        "yiyang/core/views.py",
        "yiyang/core/api.py",
        "yiyang/core/forms.py",
        "yiyang/core/presenters.py",
        "yiyang/monitoring/views.py",
        "yiyang/monitoring/api.py",
        "yiyang/assessments/views.py",
        "yiyang/health/api.py",
        "yiyang/health/forms.py",
    ]:
        assert expected in modules
    # health/views.py or, once split, every module of the health/views/ package
    assert any(m == "yiyang/health/views.py" or m.startswith("yiyang/health/views/") for m in modules)
    assert not any("/tests/" in m or "/migrations/" in m for m in modules)


def test_a_module_split_into_a_package_stays_scanned(tmp_path: Path):
    for name in [
        "views/__init__.py",
        "views/checks.py",
        "views/parts/tables.py",
        "api.py",
        "forms.py",
        "presenters.py",
        "services/__init__.py",
        "queries.py",
        "tests/views.py",
        "migrations/0001_initial.py",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert [p.relative_to(tmp_path).as_posix() for p in modules_in(tmp_path)] == [
        "api.py",
        "forms.py",
        "presenters.py",
        "views/__init__.py",
        "views/checks.py",
        "views/parts/tables.py",
    ]


def test_no_page_api_form_or_presenter_queries_a_scoped_record_directly():
    found = scan(ROOT)
    unexplained = [str(f) for f in found if (f.module, f.model) not in ALLOWED]
    assert unexplained == []


def test_every_allowed_direct_query_still_occurs():
    found = {(f.module, f.model) for f in scan(ROOT)}
    assert [entry for entry in ALLOWED if entry not in found] == []


# --------------------------------------------------------------------------------------------------
# The scanner itself: it must catch a newly added unscoped query and leave scoped code alone.
# --------------------------------------------------------------------------------------------------


def _scan_snippet(code: str) -> list[str]:
    return [f.how for f in find_unscoped(textwrap.dedent(code), "snippet.py", scoped_models())]


def test_the_scanner_catches_a_new_unscoped_query():
    code = """
        from django.apps import apps
        from yiyang.core.models import Elder
        from yiyang.health.models import ChronicFollowUp as FollowUp
        from yiyang.monitoring import models as monitoring_models

        def elder_list(request):
            elders = Elder.objects.filter(name__contains=request.GET["q"])
            visits = FollowUp._default_manager.all()
            reports = monitoring_models.Report.objects.order_by("-generated_at")
            deliveries = apps.get_model("health", "ServiceDelivery").objects.all()
            items = apps.get_model("monitoring.ScorecardItemScore")
            anything = apps.get_model(request.GET["app"], "Elder")
            return elders, visits, reports, deliveries, items, anything
    """
    assert _scan_snippet(code) == [
        "Elder.objects",
        "ChronicFollowUp._default_manager",
        "Report.objects",
        "get_model('health.ServiceDelivery')",
        "get_model('monitoring.ScorecardItemScore')",
        "get_model(...) with a computed name",
    ]


def test_the_scanner_catches_a_custom_manager():
    code = """
        from yiyang.assessments.models import AssessmentResponse

        responses = AssessmentResponse.objects.current()
        every = AssessmentResponse._base_manager.all()
    """
    assert _scan_snippet(code) == ["AssessmentResponse.objects", "AssessmentResponse._base_manager"]


def test_the_scanner_leaves_scoped_access_and_reference_data_alone():
    code = """
        from django.apps import apps
        from yiyang.core.models import Elder, Institution, Region
        from yiyang.core.scoping import get_elder_for_user, scope_elders
        from yiyang.monitoring.access import get_report_for_user

        def page(request, pk):
            elder = get_elder_for_user(request.user, pk)
            checks = elder.health_checks.all()  # the related manager of a scoped elder
            everyone = scope_elders(request.user).filter(region__code__startswith="5206")
            report = get_report_for_user(request.user, pk)
            regions = Region.objects.filter(level="county")
            institution = Institution.objects.first()
            field = Elder._meta.get_field("name")
            note = "Elder.objects is never used here"  # a string, not code
            region_model = apps.get_model("core", "Region")
            return elder, checks, everyone, report, regions, institution, field, note, region_model
    """
    assert _scan_snippet(code) == []
