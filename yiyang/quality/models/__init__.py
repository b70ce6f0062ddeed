"""Quality models, one module per aggregate; import every model here so Django finds it."""

# staff credentials and training (quality/models/staff.py)
from .staff import (  # noqa: F401
    Attendance,
    CarerLevel,
    Qualification,
    QualificationKind,
    TrainingSession,
    TrainingTopic,
)
