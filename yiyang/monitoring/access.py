"""Who may read which monitoring record: reports upwards, scorecard self-assessments, declarations and
recompute runs. These records belong to a region or an institution, not to an elder, so
:func:`yiyang.core.scoping.scope_elders` does not reach them; these functions are their scoping layer.

The pattern (Zulip's ``access_stream_by_id``) is the one every future ledger copies:

- ``scope_<records>(user)`` — a queryset of every row the user may read, filtered in the database
  (region subtree ranges or the institution scope), empty without the read permission. Lists page
  through it; nothing takes "the newest N of all regions" and filters in Python.
- ``get_<record>_for_user(user, pk)`` — one row of that queryset, or ``Http404``: out of scope and
  missing are the same answer, so a probe never learns that a record exists.

Pages and API handlers read these records only through this module (``yiyang/core/tests/
test_scope_guard.py`` fails otherwise); permission to *act* (generate, review, declare) is still checked
by the caller, which answers 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, QuerySet

from yiyang.core.scoping import has_perm, region_scope_q, row_or_404, scope_institutions

from .models import ComputeRun, Declaration, Report, ScorecardAssessment

M = TypeVar("M", bound=Model)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiyang.accounts.models import User

    AnyUser = User | AnonymousUser

#: The models this module governs; the scope guard test treats them (and every model that points at
#: one of them, such as a scorecard's item scores) like elder records.
SCOPED_MODELS: tuple[type[Model], ...] = (Report, ScorecardAssessment, Declaration, ComputeRun)

#: Reading a scorecard: whoever fills it in, reviews it, or files it upwards as a report.
SCORECARD_READ_PERMS = ("scorecard.edit", "scorecard.review", "report.generate")


def _can_view_indicators(user: AnyUser) -> bool:
    return has_perm(user, "indicator.view") or has_perm(user, "indicator.view_eldercare")


def _one(qs: QuerySet[M], pk: object) -> M:
    """The row ``pk`` of a scoped queryset, else 404 (also for a pk that is not a number)."""
    return row_or_404(qs, pk)


def scope_reports(user: AnyUser) -> QuerySet[Report]:
    """Reports upwards of regions in the user's area, newest first (report.generate)."""
    if not has_perm(user, "report.generate"):
        return Report.objects.none()
    return (
        Report.objects.filter(region_scope_q(user))
        .select_related("region", "generated_by")
        .order_by("-generated_at", "-id")
    )


def get_report_for_user(user: AnyUser, pk: object) -> Report:
    return _one(scope_reports(user), pk)


def scope_scorecards(user: AnyUser) -> QuerySet[ScorecardAssessment]:
    """Scorecard self-assessments of regions in the user's area, newest first."""
    if not any(has_perm(user, p) for p in SCORECARD_READ_PERMS):
        return ScorecardAssessment.objects.none()
    return (
        ScorecardAssessment.objects.filter(region_scope_q(user))
        .select_related("region")
        .order_by("-created_at", "-id")
    )


def get_scorecard_for_user(user: AnyUser, pk: object) -> ScorecardAssessment:
    return _one(scope_scorecards(user), pk)


def scope_declarations(user: AnyUser) -> QuerySet[Declaration]:
    """Declarations of the institutions the user may see (``scope_institutions``: 民政 the eldercare
    ones), newest first; anyone who reads indicators reads the declarations behind them."""
    if not _can_view_indicators(user):
        return Declaration.objects.none()
    return (
        Declaration.objects.filter(institution__in=scope_institutions(user))
        .select_related("institution", "declared_by")
        .order_by("-declared_at", "-id")
    )


def get_declaration_for_user(user: AnyUser, pk: object) -> Declaration:
    return _one(scope_declarations(user), pk)


def scope_runs(user: AnyUser) -> QuerySet[ComputeRun]:
    """Recompute runs of regions in the user's area (their progress bars), newest first."""
    if not _can_view_indicators(user):
        return ComputeRun.objects.none()
    return (
        ComputeRun.objects.filter(region_scope_q(user))
        .select_related("region")
        .order_by("-created_at", "-id")
    )


def get_run_for_user(user: AnyUser, pk: object) -> ComputeRun:
    return _one(scope_runs(user), pk)
