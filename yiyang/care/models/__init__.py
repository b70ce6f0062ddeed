"""Care models, one module per aggregate; import every model here so Django finds it."""

from .agreements import (  # noqa: F401
    Agreement,
    AgreementService,
    AgreementStatus,
    RoundFrequency,
)
from .referrals import (  # noqa: F401
    Referral,
    ReferralDirection,
    ReferralStatus,
    ReferralUrgency,
)
