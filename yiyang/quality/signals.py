"""Signals between the quality app's aggregates, so one aggregate never imports another's services.

:data:`incident_reported` is sent (after commit) when an incident about a resident is reported; the
risk-assessment aggregate listens and asks for a reassessment (issue 12: 事件后再评估).
"""

from __future__ import annotations

from django.dispatch import Signal

#: ``sender=Incident`` class, ``incident=<Incident>``; sent with ``transaction.on_commit``
incident_reported = Signal()

#: each aggregate appends a ``connect()`` callable here; :meth:`QualityConfig.ready` runs them
CONNECTORS: list = []


def connect() -> None:
    for connector in CONNECTORS:
        connector()


# inspections: the year-end summary's section (quality/summary_inspections.py)
def _connect_inspections() -> None:
    from .summary_inspections import register

    register()


CONNECTORS.append(_connect_inspections)


# 入住安全风险评估 (quality/services/risk.py): an incident asks for a reassessment; the residents' risk
# flags are a source of yiyang.core.flags.
def _connect_risk() -> None:
    from yiyang.core.flags import register_flag_source

    from .access_risk import flag_source
    from .services.risk import on_incident_reported

    incident_reported.connect(on_incident_reported, dispatch_uid="quality.risk.on_incident_reported")
    register_flag_source(flag_source)


CONNECTORS.append(_connect_risk)
