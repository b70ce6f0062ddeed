"""Quality models, one module per aggregate; import every model here so Django finds it."""

# 入住安全风险评估 (quality/models/risk.py)
from .risk import (  # noqa: F401
    FlagLevel,
    ReassessmentReason,
    ReassessmentRequest,
    RiskAssessment,
    RiskFinding,
    RiskFlagCode,
    RiskKind,
)
