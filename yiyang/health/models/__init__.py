"""Health-management records (健康管理), one module per aggregate.

Only :mod:`yiyang.health.services` writes these rows; pages and the API read them through
:mod:`yiyang.health.queries`, which starts from the elder scope of :mod:`yiyang.core.scoping`.
"""

from .archive import Diagnosis, DiagnosisStatus, HealthArchive, Medication
from .checks import HealthCheck
from .chronic import ChronicCase, ChronicFollowUp, Disease
from .education import EducationActivity, EducationTopic
from .family import (
    Contract,
    ContractService,
    ContractStatus,
    FamilyDoctorTeam,
    PopulationGroup,
    ServiceDelivery,
    ServicePackage,
    ServicePackageItem,
    TeamMember,
)
from .followthrough import FollowThroughItem, ItemKind
from .tcm import TcmRecord

__all__ = [
    "ChronicCase",
    "ChronicFollowUp",
    "Contract",
    "ContractService",
    "ContractStatus",
    "Diagnosis",
    "DiagnosisStatus",
    "Disease",
    "EducationActivity",
    "EducationTopic",
    "FamilyDoctorTeam",
    "FollowThroughItem",
    "HealthArchive",
    "HealthCheck",
    "ItemKind",
    "Medication",
    "PopulationGroup",
    "ServiceDelivery",
    "ServicePackage",
    "ServicePackageItem",
    "TcmRecord",
    "TeamMember",
]
