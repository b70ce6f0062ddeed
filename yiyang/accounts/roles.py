"""Roles and their permissions, as data (DESIGN §2). The scope a role reaches is in core.scoping.

A permission is a string ``<record>.<verb>``. Keep this table the only place that says who may do
what; views and the API ask :func:`yiyang.core.scoping.has_perm`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core.reach import Reach


class Role(models.TextChoices):
    HEALTH_OFFICER = "health_officer", _("Health commission officer")
    CIVIL_OFFICER = "civil_officer", _("Civil affairs officer")
    INSTITUTION_ADMIN = "institution_admin", _("Institution administrator")
    CLINICIAN = "clinician", _("Doctor / nurse / carer")
    SYSADMIN = "sysadmin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    FAMILY_DOCTOR = "family_doctor", _("Family doctor team member")


class Binding(models.TextChoices):
    REGION = "region", _("Region")
    INSTITUTION = "institution", _("Institution")
    TEAM = "team", _("Family doctor team")
    NONE = "none", _("None")


@dataclass(frozen=True)
class RoleSpec:
    binding: str
    permissions: frozenset[str]
    #: which elders the role reaches from its binding (read by core.scoping)
    reach: Reach


ROLE_SPECS: dict[str, RoleSpec] = {
    # 卫健委: everything health-related in the region (read), reveal with a reason, export.
    Role.HEALTH_OFFICER: RoleSpec(
        Binding.REGION,
        frozenset(
            {
                "elder.view",
                "elder.reveal",
                "elder.export",
                "institution.view",
                "audit.view_elder",
                "health.view",
            }
        ),
        Reach.REGION,
    ),
    # 民政: eldercare institutions of the region and their residents.
    Role.CIVIL_OFFICER: RoleSpec(
        Binding.REGION,
        frozenset({"elder.view", "elder.reveal", "elder.export", "institution.view", "audit.view_elder"}),
        Reach.REGION_ELDERCARE,
    ),
    # Institution admin: their institution's elders and the institution's own record.
    Role.INSTITUTION_ADMIN: RoleSpec(
        Binding.INSTITUTION,
        frozenset(
            {
                "elder.view",
                "elder.add",
                "elder.change",
                "elder.reveal",
                "elder.export",
                "institution.view",
                "audit.view_elder",
                "health.view",
                "team.manage",
            }
        ),
        Reach.INSTITUTION,
    ),
    # Doctor, nurse or carer: the elders their institution serves.
    Role.CLINICIAN: RoleSpec(
        Binding.INSTITUTION,
        frozenset(
            {
                "elder.view",
                "elder.add",
                "elder.change",
                "elder.reveal",
                "institution.view",
                "audit.view_elder",
                "health.view",
                "health.change",
                "contract.change",
                "assessment.fill",
            }
        ),
        Reach.INSTITUTION,
    ),
    # Family-doctor team member: the elders granted to their team (a contract in force writes the grant).
    Role.FAMILY_DOCTOR: RoleSpec(
        Binding.TEAM,
        frozenset(
            {
                "elder.view",
                "institution.view",
                "health.view",
                "health.change",
                "contract.change",
                "assessment.fill",
            }
        ),
        Reach.TEAM,
    ),
    # 三权分立 (等保 2.0 第三级; issue 15): three administrators, none with health data, none able to give
    # itself a role. 系统管理员: accounts and reference data (regions, institutions).
    Role.SYSADMIN: RoleSpec(
        Binding.NONE,
        frozenset({"institution.view", "institution.add", "institution.change", "user.manage"}),
        Reach.REFERENCE,
    ),
    # 安全管理员: who holds which role (and so which grants of data), and the security policy.
    Role.SECURITY_ADMIN: RoleSpec(Binding.NONE, frozenset({"role.manage", "user.view"}), Reach.REFERENCE),
    # 审计管理员: reads and exports the audit trail, nothing else.
    Role.AUDIT_ADMIN: RoleSpec(Binding.NONE, frozenset({"audit.view_all"}), Reach.REFERENCE),
}

#: the administrators' roles (三权分立): an account holds these or data roles, never both
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# Monitoring (indicators, declarations, scorecards, reports upwards). 卫健 sees every indicator, records
# declarations, reviews scorecards and files reports; 民政 and eldercare-home staff see the eldercare
# indicators; clinicians see indicators to close their gaps (drill-down lists stay scoped to their elders).
MONITORING_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset(
        {
            "monitoring.view",
            "indicator.view",
            "indicator.declare",
            "indicator.recompute",
            "scorecard.edit",
            "scorecard.review",
            "report.generate",
        }
    ),
    Role.CIVIL_OFFICER: frozenset({"monitoring.view", "indicator.view_eldercare"}),
    Role.INSTITUTION_ADMIN: frozenset({"monitoring.view", "indicator.view_eldercare"}),
    Role.CLINICIAN: frozenset({"monitoring.view", "indicator.view"}),
}
for _role, _perms in MONITORING_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )


#: 医养签约, in-house clinics, rounds and home visits (care app). The parties to an agreement are
#: eldercare and medical institutions: their administrators draft, sign, renew and terminate it (the
#: service checks the user administers one of the two); clinicians record rounds and home visits.
#: Officers read agreements of their region; 卫健 registers in-house clinics, as the home does.
AGREEMENT_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset({"agreement.view", "agreement.coverage", "clinic.manage"}),
    Role.CIVIL_OFFICER: frozenset({"agreement.view", "agreement.coverage"}),
    Role.INSTITUTION_ADMIN: frozenset({"agreement.view", "agreement.manage", "clinic.manage"}),
    Role.CLINICIAN: frozenset({"agreement.view", "round.record", "homevisit.record"}),
    Role.FAMILY_DOCTOR: frozenset({"homevisit.record"}),
}
for _role, _perms in AGREEMENT_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )

# Two-way referral (care.Referral). Sending and receiving are also bound to the institution: the sending
# side sends and cancels, the receiving side accepts, declines, receives, completes and returns
# (care.services.referrals). 卫健 reads the region's referrals and the green channel's timeliness.
REFERRAL_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset({"referral.view"}),
    Role.INSTITUTION_ADMIN: frozenset({"referral.view", "referral.send", "referral.receive"}),
    Role.CLINICIAN: frozenset({"referral.view", "referral.send", "referral.receive"}),
    Role.FAMILY_DOCTOR: frozenset({"referral.view", "referral.send"}),
}
for _role, _perms in REFERRAL_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )

# Family sickbeds (家庭病床) and 互联网+护理服务 orders (care/services/homecare.py). Clinicians and the
# administrators of medical institutions admit sickbeds and run the order desk (dispatching needs a
# place on the institution's home-nursing roster or its administration, see care.homecare_access);
# family doctors request orders and follow their elders' sickbeds; officers read.
HOMECARE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset({"sickbed.view", "order.view"}),
    Role.INSTITUTION_ADMIN: frozenset(
        {"sickbed.view", "sickbed.change", "order.view", "order.request", "order.dispatch", "order.settle"}
    ),
    Role.CLINICIAN: frozenset(
        {
            "sickbed.view",
            "sickbed.change",
            "order.view",
            "order.request",
            "order.dispatch",
            "order.serve",
            "order.settle",
        }
    ),
    Role.FAMILY_DOCTOR: frozenset({"sickbed.view", "order.view", "order.request"}),
}
for _role, _perms in HOMECARE_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )

# Beds and stays (care): the institution's staff admit, move and discharge residents and write care
# notes; the administrator keeps the beds; officers read occupancy (卫健 of their region, 民政 of the
# eldercare institutions of their region).
STAY_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset({"stay.view"}),
    Role.CIVIL_OFFICER: frozenset({"stay.view"}),
    Role.INSTITUTION_ADMIN: frozenset({"stay.view", "stay.change", "bed.manage", "carenote.add"}),
    Role.CLINICIAN: frozenset({"stay.view", "stay.change", "carenote.add"}),
}
for _role, _perms in STAY_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )

# Quality and safety (quality app, issue 12): ``quality.view`` opens the 质量安全 page; each aggregate
# (risk assessments, incidents, inspections and rectifications, staff and training) adds its own block below.
QUALITY_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset({"quality.view"}),
    Role.CIVIL_OFFICER: frozenset({"quality.view"}),
    Role.INSTITUTION_ADMIN: frozenset({"quality.view"}),
    Role.CLINICIAN: frozenset({"quality.view"}),
}
for _role, _perms in QUALITY_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )

# Alerts of smart-care devices (devices app, issue 17: rules and alerts). Staff of an institution and
# family-doctor teams see and handle their alerts (acknowledge, escalate, resolve); those who change an
# elder's health record set the elder's alert thresholds; the administrator keeps the institution's
# escalation ladder; county officers read their region's alerts.
ALERT_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset({"alert.view"}),
    Role.CIVIL_OFFICER: frozenset({"alert.view"}),
    Role.INSTITUTION_ADMIN: frozenset({"alert.view", "alert.handle", "alertladder.change"}),
    Role.CLINICIAN: frozenset({"alert.view", "alert.handle", "alertrule.change"}),
    Role.FAMILY_DOCTOR: frozenset({"alert.view", "alert.handle", "alertrule.change"}),
}
for _role, _perms in ALERT_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )

# Smart-care devices (devices app, issue 17: the device registry and readings). Institution staff register
# wearables and sensors, bind them to a resident or a place and end them; officers read their region's
# registry. An elder's readings are health data: read with ``health.view`` through the elder scope.
DEVICE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset({"device.view"}),
    Role.CIVIL_OFFICER: frozenset({"device.view"}),
    Role.INSTITUTION_ADMIN: frozenset({"device.view", "device.manage"}),
    Role.CLINICIAN: frozenset({"device.view", "device.manage"}),
}
for _role, _perms in DEVICE_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )

# Incidents and the pressure-injury register (quality.Incident, quality.PressureInjury): the staff of an
# institution (carers, nurses, doctors, the administrator) report incidents and keep the register; the
# administrator analyses, closes and reopens; officers read (卫健 of their region, 民政 of the eldercare
# institutions of their region; scope in quality.access_incidents).
INCIDENT_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset({"incident.view"}),
    Role.CIVIL_OFFICER: frozenset({"incident.view"}),
    Role.INSTITUTION_ADMIN: frozenset({"incident.view", "incident.report", "incident.manage"}),
    Role.CLINICIAN: frozenset({"incident.view", "incident.report"}),
}
for _role, _perms in INCIDENT_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )

# Inspections and the rectification ledger (quality/services/inspections.py). The institution's
# administrator runs 自查 and 防火检查 and moves its rectification items up to 已提交; 卫健 runs 核查 visits
# and verifies or reopens; both officers read the region's 台账 (民政: eldercare institutions) and export it.
INSPECTION_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset(
        {"inspection.view", "inspection.verify", "ledger.view", "ledger.export", "quality.summary"}
    ),
    Role.CIVIL_OFFICER: frozenset({"inspection.view", "ledger.view", "ledger.export", "quality.summary"}),
    Role.INSTITUTION_ADMIN: frozenset(
        {"inspection.view", "inspection.self", "ledger.view", "ledger.export", "quality.summary"}
    ),
}
for _role, _perms in INSPECTION_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )

# 入住安全风险评估 (quality app, risk assessments): staff of an eldercare institution read the lists and
# record changes of condition (risk.request); clinicians fill in the screens (risk.assess — the assessment
# engine also requires a clinician role for Morse, Braden and the other screens); officers read.
RISK_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset({"risk.view"}),
    Role.CIVIL_OFFICER: frozenset({"risk.view"}),
    Role.INSTITUTION_ADMIN: frozenset({"risk.view", "risk.request"}),
    Role.CLINICIAN: frozenset({"risk.view", "risk.assess", "risk.request"}),
}
for _role, _perms in RISK_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )

# Staff credentials and training (core.Staff, quality: Qualification, TrainingSession, Attendance). The
# institution administrator keeps the staff list, certificates and the institution's training sessions;
# officers read the staff of their region (民政: of eldercare institutions), reveal a phone with a
# reason, and organise county sessions (training.manage with no institution: their region).
STAFF_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HEALTH_OFFICER: frozenset({"staff.view", "staff.reveal", "training.view", "training.manage"}),
    Role.CIVIL_OFFICER: frozenset({"staff.view", "staff.reveal", "training.view", "training.manage"}),
    Role.INSTITUTION_ADMIN: frozenset(
        {"staff.view", "staff.manage", "staff.reveal", "training.view", "training.manage"}
    ),
}
for _role, _perms in STAFF_PERMISSIONS.items():
    ROLE_SPECS[_role] = RoleSpec(
        ROLE_SPECS[_role].binding, ROLE_SPECS[_role].permissions | _perms, ROLE_SPECS[_role].reach
    )
