"""Care models, one module per aggregate; import every model here so Django finds it."""

from .agreements import (  # noqa: F401
    Agreement,
    AgreementService,
    AgreementStatus,
    RoundFrequency,
)
from .homecare import (  # noqa: F401
    FamilySickbed,
    HomeNurse,
    ServiceOrder,
    SickbedDueVisit,
    SickbedVisit,
)
from .referrals import (  # noqa: F401
    Referral,
    ReferralDirection,
    ReferralStatus,
    ReferralUrgency,
)
from .stays import (  # noqa: F401
    Bed,
    BedKind,
    BedStatus,
    CareNote,
    Stay,
    StayStatus,
)
