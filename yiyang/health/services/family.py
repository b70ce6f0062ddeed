"""家庭医生签约服务: service packages, teams and their members, contracts, the services owed and
their delivery."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiyang.accounts.roles import Role
from yiyang.core import audit, grants
from yiyang.core.errors import ServiceError
from yiyang.core.models import Elder, Institution, InstitutionKind
from yiyang.core.scoping import has_perm, require_perm
from yiyang.core.signals import records_changed
from yiyang.core.transitions import Rules, StateMachine, Transition, TransitionNotAllowed

from .. import error_codes, rules
from ..models import (
    Contract,
    ContractService,
    ContractStatus,
    FamilyDoctorTeam,
    ServiceDelivery,
    ServicePackage,
    ServicePackageItem,
    TeamMember,
)
from ..models.family import MemberRole
from ._common import _check_date

if TYPE_CHECKING:
    from yiyang.accounts.models import User

PACKAGES_FILE = Path(__file__).resolve().parent.parent / "data" / "packages.yaml"


@transaction.atomic
def sync_packages(*, acting_user: User, path: Path = PACKAGES_FILE) -> list[ServicePackage]:
    """Load the service packages of the data file (create or update by code; items replaced). Loaded
    by the demo or an installation step, the acting user is the system actor (core.actors)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for spec in data["packages"]:
        package, _created = ServicePackage.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "population_group": spec["population_group"],
                "description": spec.get("description", ""),
            },
        )
        wanted = {item["code"] for item in spec["items"]}
        package.items.exclude(code__in=wanted).delete()
        for item in spec["items"]:
            ServicePackageItem.objects.update_or_create(
                package=package,
                code=item["code"],
                defaults={"name": item["name"], "times_per_year": item["times_per_year"]},
            )
        out.append(package)
    audit.record(
        "update",
        user=acting_user,
        object_type="health.servicepackage",
        object_repr=path.name,
        changes={"packages": [None, [p.code for p in out]]},
    )
    return out


#: Institutions that run family-doctor teams (家庭医生签约服务): primary care — township and community
#: health centres, community health stations, village clinics — and the general and TCM hospitals
#: that lead teams where the county has them. Eldercare homes and other kinds do not.
TEAM_INSTITUTION_KINDS = frozenset(
    {
        InstitutionKind.TOWNSHIP_HEALTH_CENTRE,
        InstitutionKind.COMMUNITY_HEALTH_CENTRE,
        InstitutionKind.COMMUNITY_HEALTH_STATION,
        InstitutionKind.VILLAGE_CLINIC,
        InstitutionKind.GENERAL_HOSPITAL,
        InstitutionKind.TCM_HOSPITAL,
    }
)


def _administered(user: User) -> list[Institution]:
    if not has_perm(user, "team.manage"):
        return []
    return [
        a.institution
        for a in user.active_assignments
        if a.role == Role.INSTITUTION_ADMIN and a.institution is not None
    ]


def team_institutions(user: User) -> list[Institution]:
    """Institutions whose family-doctor teams ``user`` may manage: those they administer that run
    family-doctor teams (:data:`TEAM_INSTITUTION_KINDS`)."""
    return [i for i in _administered(user) if i.kind in TEAM_INSTITUTION_KINDS]


def _require_team_manager(user: User, institution: Institution) -> None:
    """team.manage, and only for the teams of an institution the user administers, which must be one
    that runs family-doctor teams."""
    require_perm(user, "team.manage")
    if institution.pk not in {i.pk for i in _administered(user)}:
        raise PermissionDenied("team.manage")
    if institution.kind not in TEAM_INSTITUTION_KINDS:
        raise ServiceError(
            error_codes.INVALID,
            _(
                "Institution: family-doctor teams belong to a primary-care institution or a general or "
                "TCM hospital, not to %(name)s."
            )
            % {"name": institution.name},
            field="institution",
            status=403,
        )


def _require_clinical_member(institution: Institution, user: User, field: str) -> None:
    """A team member must already hold a clinical role at the team's institution (clinician there, or
    family doctor of one of its teams): joining a team gives the family_doctor role, which writes
    health records and assessments, so an administrator cannot make themselves or a non-clinical
    account a member."""
    from ..queries import team_candidates

    if not team_candidates([institution]).filter(pk=user.pk).exists():
        raise ServiceError(
            error_codes.INVALID,
            _(
                "%(field)s: %(name)s holds no clinical role at %(institution)s; only its doctors, nurses "
                "and family doctors can join its teams."
            )
            % {
                "field": _("Team leader") if field == "leader" else _("Team member"),
                "name": user,
                "institution": institution.name,
            },
            field=field,
        )


def _clean_team(institution: Institution, name: str, villages: list[Any]) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(error_codes.INVALID, _("Name: required."), field="name")
    if len(name) > FamilyDoctorTeam._meta.get_field("name").max_length:
        raise ServiceError(error_codes.INVALID, _("Name: too long (at most 60 characters)."), field="name")
    county = institution.region_id[:6]
    outside = [v for v in villages if v.level != "village" or not v.code.startswith(county)]
    if outside:
        raise ServiceError(
            error_codes.INVALID,
            _("Villages served: %(name)s is not a village of the institution's county.")
            % {"name": outside[0].name},
            field="villages",
        )
    return name


def _clean_role(role: str) -> str:
    if role not in MemberRole.values:
        raise ServiceError(error_codes.INVALID, _("Role in team: choose one of the options."), field="role")
    return role


@transaction.atomic
def create_team(
    *,
    acting_user: User,
    institution: Institution,
    name: str,
    leader: User,
    villages: list[Any],
    members: list[tuple[User, str]],
) -> FamilyDoctorTeam:
    """组建团队: a team with its leader, members (each given the family_doctor role bound to the team)
    and the villages it serves. Only an administrator of the institution may form its teams."""
    _require_team_manager(acting_user, institution)
    name = _clean_team(institution, name, villages)
    _require_clinical_member(institution, leader, "leader")
    for user, role in members:
        _clean_role(role)
        _require_clinical_member(institution, user, "member")
    team = FamilyDoctorTeam.objects.create(name=name, institution=institution, leader=leader)
    team.villages.set(villages)
    everyone = list(members)
    if leader not in [u for u, _r in everyone]:
        everyone.insert(0, (leader, "gp"))
    for user, role in everyone:
        add_team_member(team, acting_user=acting_user, user=user, role=role)
    audit.record(
        "create",
        user=acting_user,
        obj=team,
        changes={"institution": [None, institution.pk], "villages": [None, [v.pk for v in villages]]},
    )
    return team


@transaction.atomic
def update_team(
    team: FamilyDoctorTeam,
    *,
    acting_user: User,
    name: str,
    leader: User,
    villages: list[Any],
    is_active: bool = True,
) -> FamilyDoctorTeam:
    """Change a team's name, leader (who becomes an active member), villages served, or retire it.
    Contracts already signed keep their team; a retired team takes no new contracts."""
    _require_team_manager(acting_user, team.institution)
    team = FamilyDoctorTeam.objects.select_for_update().get(pk=team.pk)
    name = _clean_team(team.institution, name, villages)
    if leader.pk != team.leader_id:
        _require_clinical_member(team.institution, leader, "leader")
    before = {
        "name": team.name,
        "leader": team.leader_id,
        "villages": sorted(team.villages.values_list("code", flat=True)),
        "is_active": team.is_active,
    }
    team.name, team.leader, team.is_active = name, leader, is_active
    team.save(update_fields=["name", "leader", "is_active"])
    team.villages.set(villages)
    if not TeamMember.objects.filter(team=team, user=leader, is_active=True).exists():
        add_team_member(team, acting_user=acting_user, user=leader, role="gp")
    after = {
        "name": name,
        "leader": leader.pk,
        "villages": sorted(v.code for v in villages),
        "is_active": is_active,
    }
    changes = audit.diff(before, after)
    if changes:
        audit.record("update", user=acting_user, obj=team, changes=changes)
    return team


@transaction.atomic
def add_team_member(team: FamilyDoctorTeam, *, acting_user: User, user: User, role: str) -> TeamMember:
    """Put ``user`` in the team with a role; the family_doctor role bound to the team gives them the
    team's contracted elders."""
    from yiyang.accounts.models import RoleAssignment

    _require_team_manager(acting_user, team.institution)
    _clean_role(role)
    _require_clinical_member(team.institution, user, "user")
    member, _created = TeamMember.objects.update_or_create(
        team=team, user=user, defaults={"role": role, "is_active": True}
    )
    RoleAssignment.objects.get_or_create(user=user, role=Role.FAMILY_DOCTOR, team=team)
    user._assignments_cache = None  # type: ignore[attr-defined]
    audit.record("update", user=acting_user, obj=team, changes={"member": [None, f"{user.pk}:{role}"]})
    return member


@transaction.atomic
def remove_team_member(member: TeamMember, *, acting_user: User) -> TeamMember:
    """Take a member out of the team: the membership is kept as inactive (contracts name them) and the
    team-bound role is withdrawn, so the team's elders leave their scope. The leader stays."""
    from yiyang.accounts.models import RoleAssignment

    team = member.team
    _require_team_manager(acting_user, team.institution)
    if member.user_id == team.leader_id:
        raise ServiceError(
            error_codes.INVALID,
            _("Team member: the team leader cannot be removed; choose another leader first."),
            field="member",
        )
    if member.is_active:
        member.is_active = False
        member.save(update_fields=["is_active"])
        RoleAssignment.objects.filter(user=member.user, role=Role.FAMILY_DOCTOR, team=team).delete()
        member.user._assignments_cache = None  # type: ignore[attr-defined]
        audit.record(
            "update",
            user=acting_user,
            obj=team,
            changes={"member": [f"{member.user_id}:{member.role}", None]},
        )
    return member


def service_rows(contract: Contract, items: list[ServicePackageItem]) -> list[ContractService]:
    """The services a contract is owed: each package item ``times_per_year`` times per contract year,
    the period split into equal windows, each due by its window's last day (unsaved rows)."""
    days = (contract.end_date - contract.start_date).days + 1
    rows = []
    for item in items:
        count = max(1, math.ceil(item.times_per_year * days / 365 - 1e-9))
        for i in range(count):
            rows.append(
                ContractService(
                    contract=contract,
                    item_code=item.code,
                    name=item.name,
                    sequence=i + 1,
                    window_start=contract.start_date + dt.timedelta(days=math.floor(i * days / count)),
                    due_date=contract.start_date + dt.timedelta(days=math.floor((i + 1) * days / count) - 1),
                )
            )
    return rows


def generate_services(contract: Contract) -> list[ContractService]:
    items = list(
        ServicePackageItem.objects.filter(package__in=contract.packages.all()).order_by("package_id", "code")
    )
    rows = ContractService.objects.bulk_create(service_rows(contract, items))
    records_changed.send(sender=ContractService, instances=rows)
    return rows


def _overlapping(
    elder: Elder, start: dt.date, end: dt.date, exclude: Contract | None = None
) -> Contract | None:
    qs = Contract.objects.filter(elder=elder, start_date__lte=end, end_date__gte=start).exclude(
        ended_on__lt=start
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.first()


@transaction.atomic
def sign_contract(
    elder: Elder,
    *,
    acting_user: User,
    team: FamilyDoctorTeam,
    doctor: User,
    packages: list[ServicePackage],
    signed_on: dt.date,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    signer: str = "self",
    proxy_name: str = "",
    proxy_relation: str = "",
    renewal_of: Contract | None = None,
) -> Contract:
    """签约: one team per elder at a time ("每位居民同期只能选择1名签约家庭医生"); the period defaults to
    CONTRACT_MONTHS; the services due are generated from the packages."""
    require_perm(acting_user, "contract.change")
    _check_date(elder, signed_on, "signed_on", Contract)
    if not team.is_active:
        raise ServiceError(
            error_codes.INVALID,
            _("Team: %(name)s is no longer in use and takes no new contracts.") % {"name": team.name},
            field="team",
        )
    if not TeamMember.objects.filter(team=team, user=doctor, is_active=True).exists():
        raise ServiceError(
            "DOCTOR_NOT_IN_TEAM", _("Family doctor: must be a member of the team."), field="doctor"
        )
    start = start_date or signed_on
    end = end_date or (rules.add_months(start, rules.table("CONTRACT_MONTHS")) - dt.timedelta(days=1))
    if end < start:
        raise ServiceError(
            error_codes.CONTRACT_PERIOD, _("End date: must not be before the start date."), field="end_date"
        )
    if not packages:
        raise ServiceError(
            error_codes.PACKAGE_REQUIRED, _("Service packages: choose at least one."), field="packages"
        )
    member = TeamMember.objects.filter(team=team, user=doctor, is_active=True).first()
    if member is None:
        raise ServiceError(
            error_codes.DOCTOR_NOT_IN_TEAM, _("Family doctor: must be a member of the team."), field="doctor"
        )
    if member.role not in rules.table("CONTRACT_DOCTOR_ROLES"):
        raise ServiceError(
            error_codes.DOCTOR_NOT_PHYSICIAN,
            _(
                "Family doctor: %(name)s is the team's %(role)s; the contracted doctor must be a physician "
                "(general practitioner, village doctor or TCM physician)."
            )
            % {"name": doctor, "role": member.get_role_display()},
            field="doctor",
        )
    longest = rules.add_months(start, rules.table("CONTRACT_MONTHS")) - dt.timedelta(days=1)
    if end > longest:
        raise ServiceError(
            error_codes.CONTRACT_PERIOD,
            _("End date: a contract lasts at most one year (until %(day)s); renew it to continue.")
            % {"day": longest.isoformat()},
            field="end_date",
        )
    villages = set(team.villages.values_list("code", flat=True))
    if villages and elder.region_id not in villages:
        raise ServiceError(
            error_codes.ELDER_NOT_IN_TEAM_AREA,
            _("Team: this team does not serve the elder's village."),
            field="team",
        )
    if signer == "proxy" and not proxy_name.strip():
        raise ServiceError(
            error_codes.INVALID, _("Proxy name: required when a proxy signs."), field="proxy_name"
        )
    clash = _overlapping(elder, start, end, exclude=renewal_of)
    if clash is not None:
        raise ServiceError(
            error_codes.CONTRACT_OVERLAP,
            _("This elder already has a contract from %(start)s to %(end)s with %(team)s.")
            % {"start": clash.start_date, "end": clash.effective_end, "team": clash.team.name},
            field="start_date",
            status=409,
        )
    contract = Contract.objects.create(
        elder=elder,
        team=team,
        doctor=doctor,
        signed_on=signed_on,
        start_date=start,
        end_date=end,
        signer=signer,
        proxy_name=proxy_name.strip(),
        proxy_relation=proxy_relation.strip(),
        renewal_of=renewal_of,
        created_by=acting_user,
    )
    contract.packages.set(packages)
    services_due = generate_services(contract)
    # The contract opens the elder's record to the team for its period (DESIGN §2: scope is data).
    grants.grant(contract, elder=elder, team=team, valid_from=start, valid_to=end)
    audit.record(
        "create",
        user=acting_user,
        obj=contract,
        changes={
            "elder": [None, elder.pk],
            "team": [None, team.pk],
            "period": [None, f"{start.isoformat()}~{end.isoformat()}"],
            "packages": [None, [p.code for p in packages]],
            "services_due": [None, len(services_due)],
        },
    )
    return contract


def _renew(t: Transition) -> None:
    """The renewal is a new contract with the same team, from the day after the old one ends."""
    old = t.obj
    new = sign_contract(
        old.elder,
        acting_user=t.user,
        team=old.team,
        doctor=t.extra.get("doctor") or old.doctor,
        packages=t.extra.get("packages") or list(old.packages.all()),
        signed_on=t.extra["signed_on"],
        start_date=max(old.end_date + dt.timedelta(days=1), t.extra["signed_on"]),
        signer=old.signer,
        proxy_name=old.proxy_name,
        proxy_relation=old.proxy_relation,
        renewal_of=old,
    )
    t.results["renewal"] = new
    t.changes["renewed_by"] = [None, new.pk]
    t.details["renewed_by"] = new.pk


def _check_end(t: Transition) -> None:
    if len(t.reason) < 2:
        raise ServiceError(error_codes.REASON_REQUIRED, _("Reason for ending: required."), field="reason")
    if not t.obj.start_date <= t.extra["ended_on"] <= t.obj.end_date:
        raise ServiceError(
            error_codes.CONTRACT_PERIOD,
            _("Ended on: must fall within the contract period."),
            field="ended_on",
        )


def _end(t: Transition) -> None:
    t.change("ended_on", t.obj.ended_on, t.extra["ended_on"])
    t.obj.ended_on = t.extra["ended_on"]
    t.obj.end_reason = t.reason


def _cancel_services(t: Transition) -> None:
    """Services not yet begun when the contract ends are cancelled."""
    rows = list(
        ContractService.objects.filter(contract=t.obj, window_start__gt=t.obj.ended_on, delivery__isnull=True)
    )
    cancelled = ContractService.objects.filter(pk__in=[r.pk for r in rows]).update(cancelled=True)
    for row in rows:
        row.cancelled = True
    records_changed.send(sender=ContractService, instances=rows)
    t.changes["cancelled"] = [None, cancelled]


def _after_end(t: Transition) -> None:
    """Services not yet begun are cancelled; the team's access grant ends on the last day in force."""
    _cancel_services(t)
    grants.end_grants(t.obj, last_day=t.obj.ended_on)


#: 履约中 → 已解约 (end, with a reason and the last day in force) or 已续约 (renew: a new contract).
#: 已到期 is reached by no move yet (validity is by dates, ``Contract.objects.valid_on``); an expired
#: contract can still be renewed.
CONTRACT = StateMachine(
    Contract,
    table={
        (ContractStatus.ACTIVE, "end"): (ContractStatus.ENDED, "contract.change"),
        (ContractStatus.ACTIVE, "renew"): (ContractStatus.RENEWED, "contract.change"),
        (ContractStatus.EXPIRED, "renew"): (ContractStatus.RENEWED, "contract.change"),
    },
    states=ContractStatus,
    actions={"end": gettext_lazy("End the contract"), "renew": gettext_lazy("Renew")},
    rules={
        "end": Rules(
            reason_required=True,
            requires={"ended_on": gettext_lazy("Ended on")},
            check=_check_end,
            before_save=_end,
            after_save=_after_end,
        ),
        "renew": Rules(requires={"signed_on": gettext_lazy("Signed on")}, after_save=_renew),
    },
)


def renew_contract(
    contract: Contract,
    *,
    acting_user: User,
    signed_on: dt.date,
    packages: list[ServicePackage] | None = None,
    doctor: User | None = None,
) -> Contract:
    """续约 (``CONTRACT.apply(…, "renew")``): returns the new contract. A contract neither in force nor
    expired keeps this entry point's refusal, CONTRACT_NOT_ACTIVE (409)."""
    require_perm(acting_user, "contract.change")
    try:
        t = CONTRACT.apply(
            contract, "renew", acting_user=acting_user, signed_on=signed_on, packages=packages, doctor=doctor
        )
    except TransitionNotAllowed:
        raise ServiceError(
            error_codes.CONTRACT_NOT_ACTIVE,
            _("Only a contract in force or expired can be renewed."),
            status=409,
        ) from None
    return t.results["renewal"]


def end_contract(contract: Contract, *, acting_user: User, ended_on: dt.date, reason: str) -> Contract:
    """解约 (``CONTRACT.apply(…, "end")``): end a contract early with a reason; services not yet begun are
    cancelled. ``ended_on`` is the last day the contract is in force. Refusals keep this entry
    point's codes and fields (``end_reason``; CONTRACT_NOT_ACTIVE, 409)."""
    require_perm(acting_user, "contract.change")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ServiceError(error_codes.REASON_REQUIRED, _("Reason for ending: required."), field="end_reason")
    try:
        return CONTRACT.apply(contract, "end", acting_user=acting_user, reason=reason, ended_on=ended_on).obj
    except TransitionNotAllowed:
        raise ServiceError(
            error_codes.CONTRACT_NOT_ACTIVE, _("This contract is not in force."), status=409
        ) from None


@transaction.atomic
def record_delivery(
    contract: Contract,
    *,
    acting_user: User,
    item_code: str,
    delivered_on: dt.date,
    place: str,
    note: str = "",
    service: ContractService | None = None,
) -> ServiceDelivery:
    """履约: a delivered service. Without ``service`` it fulfils the earliest open due service of that
    item whose window has begun; a delivery beyond what is owed is kept as an extra."""
    require_perm(acting_user, "contract.change")
    _check_date(contract.elder, delivered_on, "delivered_on", ServiceDelivery)
    if not contract.is_valid_on(delivered_on):
        raise ServiceError(
            error_codes.CONTRACT_NOT_ACTIVE,
            _("Delivered on: the contract is not in force on that day."),
            field="delivered_on",
        )
    if service is not None:
        if service.contract_id != contract.pk or ServiceDelivery.objects.filter(service=service).exists():
            raise ServiceError(
                error_codes.SERVICE_MISMATCH,
                _("Service: not an open service of this contract."),
                field="service",
            )
        item_code = service.item_code
    else:
        service = (
            # OF self: the delivery__isnull filter is an outer join, which PostgreSQL cannot lock.
            ContractService.objects.select_for_update(of=("self",))
            .filter(
                contract=contract,
                item_code=item_code,
                cancelled=False,
                delivery__isnull=True,
                window_start__lte=delivered_on,
            )
            .order_by("due_date", "sequence")
            .first()
        )
    known = set(ServicePackageItem.objects.filter(package__contracts=contract).values_list("code", flat=True))
    if item_code not in known:
        raise ServiceError(
            error_codes.SERVICE_MISMATCH,
            _("Service: not part of this contract's packages."),
            field="item_code",
        )
    delivery = ServiceDelivery.objects.create(
        contract=contract,
        service=service,
        item_code=item_code,
        delivered_on=delivered_on,
        delivered_by=acting_user,
        place=place,
        note=note,
    )
    audit.record(
        "create",
        user=acting_user,
        obj=delivery,
        changes={
            "contract": [None, contract.pk],
            "item_code": [None, item_code],
            "service": [None, service.pk if service else None],
        },
    )
    return delivery
