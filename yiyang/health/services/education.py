"""健康教育活动."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiyang.core import audit, clock
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder
from yiyang.core.scoping import require_perm

from .. import error_codes
from ..models import EducationActivity
from ._common import acting_institution

if TYPE_CHECKING:
    from yiyang.accounts.models import User


@transaction.atomic
def record_education(
    *, acting_user: User, data: dict[str, Any], attendees: list[Elder] | None = None
) -> EducationActivity:
    """健康教育活动; ``attendees`` are elders the caller has scoped. The head-count may exceed them."""
    require_perm(acting_user, "health.change")
    attendees = attendees or []
    held_on = data.get("held_on")
    if held_on is None or held_on > clock.today():
        raise ServiceError(
            error_codes.DATE_IN_FUTURE, _("Date: required, and not in the future."), field="held_on"
        )
    count = data.get("attendee_count") or 0
    if count < len(attendees):
        raise ServiceError(
            error_codes.INVALID,
            _("Number of attendees: at least the %(n)s elders listed.") % {"n": len(attendees)},
            field="attendee_count",
        )
    activity = EducationActivity.objects.create(
        topic=data["topic"],
        title=data["title"],
        format=data["format"],
        held_on=held_on,
        place=data["place"],
        region=data["region"],
        institution=acting_institution(acting_user),
        organiser=acting_user,
        attendee_count=count,
    )
    activity.attendees.set(attendees)
    audit.record(
        "create",
        user=acting_user,
        obj=activity,
        changes={"topic": [None, activity.topic], "attendees": [None, len(attendees)]},
    )
    return activity
