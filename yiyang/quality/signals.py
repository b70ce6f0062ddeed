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
