"""Care models, one module per aggregate; import every model here so Django finds it."""

from .agreements import (  # noqa: F401
    Agreement,
    AgreementService,
    AgreementStatus,
    RoundFrequency,
)
from .clinics import ClinicKind, InHouseClinic  # noqa: F401
from .home_visits import HomeVisit, HomeVisitBasis, HomeVisitService  # noqa: F401
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
from .rounds import PlannedRound, Round, RoundFinding  # noqa: F401
from .stays import (  # noqa: F401
    Bed,
    BedKind,
    BedStatus,
    CareNote,
    Stay,
    StayStatus,
)
