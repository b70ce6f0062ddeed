"""中医药健康管理: the constitution identification page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yiyang.assessments.registry import get_instrument
from yiyang.core import clock
from yiyang.core.access import scoped
from yiyang.core.errors import ServiceError

from .. import formdata, queries, services
from ..forms import TcmForm
from ._common import _need


@scoped
@login_required
def tcm_create(request: HttpRequest, pk: int) -> HttpResponse:
    """中医体质辨识 (33 questions, scored by the assessments engine) and the guidance per constitution."""
    _need(request, "health.change")
    elder = queries.get_health_elder(request.user, pk)
    form = TcmForm(
        request.POST or None, instrument=get_instrument("tcm33"), initial={"service_date": clock.today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_tcm(
                elder,
                acting_user=request.user,
                answers=form.answers(),
                guidance=form.guidance(),
                service_date=form.cleaned_data["service_date"],
                guidance_other=form.cleaned_data["guidance_other"],
                contradiction_confirmed=form.cleaned_data["contradiction_confirmed"],
            )
        except ServiceError as exc:
            for err in exc.as_list():
                name = err.get("field", "").replace("guidance.", "guidance_")
                form.add_error(name if name in form.fields else None, err["message"])
        except PermissionDenied:
            form.add_error(None, _("Your role may not fill in this instrument."))
        else:
            name = formdata.label(formdata.TCM_CONSTITUTIONS, record.primary_constitution)
            if record.recollect_by:
                messages.warning(
                    request,
                    _(
                        "Saved as incomplete: every constitution is judged no. Collect the answers again "
                        "by %(day)s."
                    )
                    % {"day": record.recollect_by.isoformat()},
                )
            else:
                messages.success(request, _("Saved: main constitution %(c)s.") % {"c": name or "—"})
            return redirect("health:archive", elder.pk)
    return render(request, "health/tcm_form.html", {"elder": elder, "form": form})
