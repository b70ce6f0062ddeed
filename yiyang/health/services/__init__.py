"""The only writers of health-management records, one module per aggregate of :mod:`yiyang.health.models`.

Every function is one transaction, takes the acting user keyword-only, checks the permission and writes
its audit row inside the transaction. Callers have already scoped the elder (``get_elder_for_user``)
or the record (:mod:`yiyang.health.queries`). Rules come from :mod:`yiyang.health.rules`, field lists
from :mod:`yiyang.health.fields`.

This package re-exports every public service so callers keep writing ``services.record_followup``.
A test that replaces a function must patch the submodule that calls it, not this package. Dates
come from :mod:`yiyang.core.clock` (tests freeze it with the ``freeze_clock`` fixture).
"""

from yiyang.core.errors import ServiceError

from ._common import acting_institution, check_field_values, clean_rows, record_list_view
from .archive import (
    add_diagnosis,
    add_medication,
    ensure_archive,
    resolve_diagnosis,
    save_basic_information,
    stop_medication,
    update_archive,
)
from .checks import EXCLUSIVE_FIRST, check_values, record_health_check, record_notice
from .chronic import DEFAULT_CODES, close_case, enrol_case, link_followups, previous_followup, record_followup
from .education import record_education
from .family import (
    CONTRACT,
    PACKAGES_FILE,
    TEAM_INSTITUTION_KINDS,
    add_team_member,
    create_team,
    end_contract,
    generate_services,
    record_delivery,
    remove_team_member,
    renew_contract,
    service_rows,
    sign_contract,
    sync_packages,
    team_institutions,
    update_team,
)
from .tcm import GUIDED_JUDGEMENTS, constitutions_needing_guidance, primary_constitution, record_tcm

__all__ = [
    "CONTRACT",
    "DEFAULT_CODES",
    "EXCLUSIVE_FIRST",
    "GUIDED_JUDGEMENTS",
    "PACKAGES_FILE",
    "TEAM_INSTITUTION_KINDS",
    "ServiceError",
    "acting_institution",
    "add_diagnosis",
    "add_medication",
    "add_team_member",
    "check_field_values",
    "check_values",
    "clean_rows",
    "close_case",
    "constitutions_needing_guidance",
    "create_team",
    "end_contract",
    "enrol_case",
    "ensure_archive",
    "generate_services",
    "link_followups",
    "previous_followup",
    "primary_constitution",
    "record_delivery",
    "record_education",
    "record_followup",
    "record_health_check",
    "record_list_view",
    "record_notice",
    "record_tcm",
    "remove_team_member",
    "renew_contract",
    "resolve_diagnosis",
    "save_basic_information",
    "service_rows",
    "sign_contract",
    "stop_medication",
    "sync_packages",
    "team_institutions",
    "update_archive",
    "update_team",
]
