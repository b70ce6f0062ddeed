"""Devices models, one module per aggregate; import every model here so Django finds it."""

from .alerts import (  # noqa: F401
    Alert,
    AlertKind,
    AlertNotification,
    AlertOutcome,
    AlertStatus,
)
from .devices import Device, DeviceKind  # noqa: F401
from .readings import Reading, ReadingType  # noqa: F401

# alert rules, escalation ladders and alerts (issue 17: rules and alerts)
from .rules import EscalationLadder, EscalationStep, Severity, StepRole, ThresholdRule  # noqa: F401
