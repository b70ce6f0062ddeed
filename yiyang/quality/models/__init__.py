"""Quality models, one module per aggregate; import every model here so Django finds it."""

# 不良事件 and the pressure-injury register (quality/models/incidents.py)
from .incidents import (  # noqa: F401
    Incident,
    IncidentKind,
    IncidentStatus,
    PressureInjury,
    PressureInjuryRecord,
    PressureOrigin,
    PressureStage,
    Severity,
)

# inspections, rectification ledger, fire-check obligations (quality/models/inspections.py)
from .inspections import (  # noqa: F401
    ChecklistVersion,
    EvidenceFile,
    FireCheckObligation,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionStatus,
    Judgement,
    ObligationKind,
    RectificationItem,
    RectificationStatus,
)

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

# staff credentials and training (quality/models/staff.py)
from .staff import (  # noqa: F401
    Attendance,
    CarerLevel,
    Qualification,
    QualificationKind,
    TrainingSession,
    TrainingTopic,
)
