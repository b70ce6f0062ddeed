"""Registry records: regions, institutions, elders (老年人) and the append-only audit trail.

Personal data (ID number, phone, address) never sits in a plain column: each is stored encrypted
(``*_encrypted``), with a masked copy for display and, where look-up is needed, a keyed blind index.
Only :mod:`yiyang.core.scoping` hands these rows to views, the API, exports and tasks.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import clock
from .regions import RegionLevel, subtree_prefix
from .validators import validate_uscc


class Region(models.Model):
    """行政区划: one row per statistical division, keyed by its 12-digit code."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return subtree_prefix(self.code)

    def ancestors(self) -> list[Region]:
        """From the province down to (excluding) this region; one query per level at most five."""
        chain: list[Region] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @staticmethod
    def paths_for(codes: set[str], *, from_level: str = RegionLevel.TOWNSHIP) -> dict[str, str]:
        """Display paths (e.g. 双江街道 金滩社区) for many codes in one query, for list pages."""
        cuts = {RegionLevel.PROVINCE: 2, RegionLevel.CITY: 4, RegionLevel.COUNTY: 6, RegionLevel.TOWNSHIP: 9}
        start = list(cuts).index(from_level) if from_level in cuts else 3
        wanted: set[str] = set(codes)
        for code in codes:
            for n in list(cuts.values())[start:]:
                wanted.add(code[:n].ljust(12, "0"))
        names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
        out = {}
        for code in codes:
            parts = [code[:n].ljust(12, "0") for n in list(cuts.values())[start:]] + [code]
            seen: list[str] = []
            for p in parts:
                if p in names and p not in seen:
                    seen.append(p)
            out[code] = " ".join(names[p] for p in seen)
        return out

    def full_name(self, start: str = RegionLevel.COUNTY) -> str:
        """Names from ``start`` level down, e.g. 江口县双江街道金滩社区 (what a form letter prints)."""
        order = [c for c, _label in RegionLevel.choices]
        names = [r.name for r in [*self.ancestors(), self] if order.index(r.level) >= order.index(start)]
        return "".join(names)


class InstitutionKind(models.TextChoices):
    """The institution types named by the policy documents."""

    GENERAL_HOSPITAL = "general_hospital", _("General hospital")
    TCM_HOSPITAL = "tcm_hospital", _("TCM hospital")
    REHAB_HOSPITAL = "rehab_hospital", _("Rehabilitation hospital")
    NURSING_HOME = "nursing_home", _("Nursing home (medical)")
    TOWNSHIP_HEALTH_CENTRE = "township_health_centre", _("Township health centre")
    COMMUNITY_HEALTH_CENTRE = "community_health_centre", _("Community health service centre")
    COMMUNITY_HEALTH_STATION = "community_health_station", _("Community health service station")
    VILLAGE_CLINIC = "village_clinic", _("Village clinic")
    ELDERCARE_HOME = "eldercare_home", _("Eldercare institution")
    DAY_CARE_CENTRE = "day_care_centre", _("Day-care centre")
    #: 农村互助幸福院: the rural village's day-care and mutual-aid place (民政)
    MUTUAL_AID_HOME = "mutual_aid_home", _("Rural mutual-aid happiness home")
    INTEGRATED_CARE = "integrated_care", _("Integrated medical and eldercare institution")
    HOSPICE_CENTRE = "hospice_centre", _("Hospice centre")


MEDICAL_KINDS = frozenset(
    {
        InstitutionKind.GENERAL_HOSPITAL,
        InstitutionKind.TCM_HOSPITAL,
        InstitutionKind.REHAB_HOSPITAL,
        InstitutionKind.NURSING_HOME,
        InstitutionKind.TOWNSHIP_HEALTH_CENTRE,
        InstitutionKind.COMMUNITY_HEALTH_CENTRE,
        InstitutionKind.COMMUNITY_HEALTH_STATION,
        InstitutionKind.VILLAGE_CLINIC,
        InstitutionKind.INTEGRATED_CARE,
        InstitutionKind.HOSPICE_CENTRE,
    }
)
#: institutions governed by civil affairs (民政): eldercare homes, day-care centres, integrated institutions
ELDERCARE_KINDS = frozenset(
    {
        InstitutionKind.ELDERCARE_HOME,
        InstitutionKind.DAY_CARE_CENTRE,
        InstitutionKind.MUTUAL_AID_HOME,
        InstitutionKind.INTEGRATED_CARE,
    }
)
HOSPITAL_KINDS = frozenset(
    {InstitutionKind.GENERAL_HOSPITAL, InstitutionKind.TCM_HOSPITAL, InstitutionKind.REHAB_HOSPITAL}
)


class HospitalGrade(models.TextChoices):
    LEVEL_1 = "1", _("Grade I")
    LEVEL_2 = "2", _("Grade II")
    LEVEL_3 = "3", _("Grade III")


class EldercareOwnership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")
    RURAL_WELFARE = "rural_welfare", _("Rural welfare home (support for the destitute)")


class Institution(models.Model):
    """机构: a hospital, health centre, clinic, eldercare home or any other place that serves elders."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=32, choices=InstitutionKind.choices)
    grade = models.CharField(_("hospital grade"), max_length=1, choices=HospitalGrade.choices, blank=True)
    ownership = models.CharField(
        _("eldercare ownership"), max_length=16, choices=EldercareOwnership.choices, blank=True
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="institutions", verbose_name=_("region")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("parent institution"),
        help_text=_("For example the township health centre a village clinic belongs to."),
    )
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_uscc],
    )
    medical_licence_no = models.CharField(_("medical institution licence no."), max_length=40, blank=True)
    eldercare_filing_no = models.CharField(_("eldercare filing no."), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    has_inhouse_clinic = models.BooleanField(_("has in-house clinic"), default=False)
    elder_friendly_declared = models.BooleanField(_("elder-friendly certified (declared)"), default=False)
    elder_friendly_date = models.DateField(_("elder-friendly certification date"), null=True, blank=True)
    service_area = models.ManyToManyField(
        Region, blank=True, related_name="serving_institutions", verbose_name=_("service area")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_medical(self) -> bool:
        return self.kind in MEDICAL_KINDS

    @property
    def is_eldercare(self) -> bool:
        return self.kind in ELDERCARE_KINDS

    def total_beds(self) -> int:
        return sum(b.count for b in self.beds.all())


class BedKind(models.TextChoices):
    GENERAL = "general", _("General beds")
    NURSING = "nursing", _("Nursing beds")
    REHAB = "rehab", _("Rehabilitation beds")
    HOSPICE = "hospice", _("Hospice beds")
    ELDERCARE = "eldercare", _("Eldercare beds")
    ELDERCARE_NURSING = "eldercare_nursing", _("Nursing-type eldercare beds")


class BedCapacity(models.Model):
    """床位: how many beds of one kind an institution has (IR-2, IR-8, IR-9, IR-10 count these)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="beds")
    kind = models.CharField(_("bed type"), max_length=20, choices=BedKind.choices)
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("bed capacity")
        verbose_name_plural = _("bed capacities")
        constraints = [models.UniqueConstraint(fields=["institution", "kind"], name="core_bed_kind_once")]


class DepartmentKind(models.TextChoices):
    GERIATRICS = "geriatrics", _("Geriatrics")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    TCM = "tcm", _("Traditional Chinese medicine")
    HOSPICE = "hospice", _("Hospice care")
    INTERNAL = "internal", _("Internal medicine")
    GENERAL_PRACTICE = "general_practice", _("General practice")
    NURSING = "nursing", _("Nursing")
    OTHER = "other", _("Other")


class Department(models.Model):
    """科室: IR-1 and IR-4 ask which hospitals have a geriatrics or rehabilitation department."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="departments")
    kind = models.CharField(_("department type"), max_length=20, choices=DepartmentKind.choices)
    name = models.CharField(_("name"), max_length=60)
    established = models.DateField(_("established"), null=True, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["institution_id", "kind"]

    def __str__(self) -> str:
        return self.name


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class ResidenceStatus(models.TextChoices):
    """户籍/常住: indicators count 常住 residents; 户籍 tells where the record belongs."""

    REGISTERED_RESIDENT = "registered_resident", _("Registered and resident")
    REGISTERED_AWAY = "registered_away", _("Registered, living elsewhere")
    NON_REGISTERED_RESIDENT = "non_registered_resident", _("Resident, registered elsewhere")


RESIDENT_STATUSES = (ResidenceStatus.REGISTERED_RESIDENT, ResidenceStatus.NON_REGISTERED_RESIDENT)


class LivingSituation(models.TextChoices):
    ALONE = "alone", _("Living alone")
    EMPTY_NEST = "empty_nest", _("Empty nest (couple only)")
    WITH_CHILDREN = "with_children", _("Living with children")
    IN_INSTITUTION = "in_institution", _("Living in an institution")
    OTHER = "other", _("Other")


class ElderStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DECEASED = "deceased", _("Deceased")
    MOVED_OUT = "moved_out", _("Moved out")


class Elder(models.Model):
    """老年人: one older resident, once. Sex and birth date are derived from the ID number, never typed."""

    name = models.CharField(_("name"), max_length=40, db_index=True)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"))
    id_number_index = models.CharField(_("ID number blind index"), max_length=64, unique=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), db_index=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=16, blank=True)
    phone_encrypted = models.TextField(_("phone (encrypted)"), blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    address_encrypted = models.TextField(_("address (encrypted)"), blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="elders", verbose_name=_("village")
    )
    residence_status = models.CharField(
        _("household registration"),
        max_length=32,
        choices=ResidenceStatus.choices,
        default=ResidenceStatus.REGISTERED_RESIDENT,
    )
    living_situation = models.CharField(_("living situation"), max_length=20, choices=LivingSituation.choices)
    managing_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_elders",
        verbose_name=_("managing institution"),
        help_text=_("The health centre that keeps this elder's archive."),
    )
    residence_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("residence institution"),
        help_text=_("The eldercare home or institution the elder lives in, if any."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ElderStatus.choices, default=ElderStatus.ACTIVE
    )
    status_date = models.DateField(_("status date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("elder")
        verbose_name_plural = _("elders")
        indexes = [
            models.Index(fields=["region", "birth_date"], name="core_elder_region_birth"),
            models.Index(fields=["managing_institution", "status"], name="core_elder_managing"),
            models.Index(fields=["residence_institution", "status"], name="core_elder_residence"),
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int:
        """Completed years on ``day`` (a birthday on ``day`` counts)."""
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        return self.age_on(clock.today())

    @property
    def category_codes(self) -> list[str]:
        return [c.category for c in self.categories.all()]


class ElderCategoryCode(models.TextChoices):
    """Risk and support categories the policies count (失能, 特困, 低保…)."""

    DISABLED = "disabled", _("Disabled (loss of ability)")
    SEMI_DISABLED = "semi_disabled", _("Semi-disabled")
    ADVANCED_AGE = "advanced_age", _("Advanced age (80+)")
    DESTITUTE = "destitute", _("Destitute support")
    LOW_INCOME = "low_income", _("Minimum living allowance")
    HANDICAPPED = "handicapped", _("Disability certificate")
    FAMILY_PLANNING_SPECIAL = "family_planning_special", _("Special family-planning family")
    VETERAN = "veteran", _("Veteran")
    LEFT_BEHIND = "left_behind", _("Left-behind elder")
    DEMENTIA = "dementia", _("Dementia")


class ElderCategory(models.Model):
    """One category of one elder, with when and on what evidence it was set (an assessment, a decision)."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(_("category"), max_length=32, choices=ElderCategoryCode.choices)
    since = models.DateField(_("since"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=120, blank=True)
    source_ref = models.CharField(
        _("source record"), max_length=64, blank=True, help_text=_("For example assessments.response:42")
    )

    class Meta:
        verbose_name = _("elder category")
        verbose_name_plural = _("elder categories")
        constraints = [models.UniqueConstraint(fields=["elder", "category"], name="core_elder_category_once")]
        indexes = [models.Index(fields=["category", "elder"], name="core_category_elder")]


class ElderSearchKey(models.Model):
    """Search keys of an elder's name (full name, given name, every pinyin-initials reading).

    A separate narrow table with a B-tree index answers ``key LIKE 'zs%'`` by index range scan on
    both SQLite and PostgreSQL, where a ``LIKE '%…%'`` over the elder table would scan every row.
    """

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="search_keys")
    key = models.CharField(max_length=40, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["elder", "key"], name="core_search_key_once")]


class EmergencyContact(models.Model):
    """紧急联系人."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="emergency_contacts")
    name = models.CharField(_("name"), max_length=40)
    relation = models.CharField(_("relation"), max_length=20)
    phone_encrypted = models.TextField(_("phone (encrypted)"))
    phone_masked = models.CharField(_("phone"), max_length=20)

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        ordering = ["id"]


class ElderStatusChange(models.Model):
    """History of an elder's status (death, moving out, return): the record is kept, never deleted."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=ElderStatus.choices)
    to_status = models.CharField(max_length=12, choices=ElderStatus.choices)
    effective_date = models.DateField(_("effective date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-changed_at"]


class TeamKind(models.TextChoices):
    """What a care team does. 巡诊 (rounds), 家庭病床 (family sickbed) and nursing teams come next."""

    FAMILY_DOCTOR = "family_doctor", _("Family doctor team")


class CareTeam(models.Model):
    """A team of one institution's staff who serve elders together (家庭医生团队 today).

    The team lives in the registry so that roles (``accounts.RoleAssignment.team``) and access grants
    can point at it without the registry or the user app knowing any domain app. Which elders a team
    serves is not stored here: the relationship that opens an elder to the team (a family-doctor
    contract, later a sickbed or a round) writes an :class:`AccessGrant`. Team-specific behaviour
    (members' roles in the team, service packages, contracts) stays in the domain app.
    """

    kind = models.CharField(_("team kind"), max_length=16, choices=TeamKind.choices)
    name = models.CharField(_("name"), max_length=60)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="care_teams", verbose_name=_("institution")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("team leader")
    )
    villages = models.ManyToManyField(
        Region,
        through="CareTeamVillage",
        blank=True,
        related_name="care_teams",
        verbose_name=_("villages served"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        # The table the model had in health before it moved here (core 0005 keeps it).
        db_table = "health_familydoctorteam"
        verbose_name = _("care team")
        verbose_name_plural = _("care teams")
        ordering = ["institution_id", "name"]

    def __str__(self) -> str:
        return self.name


class CareTeamVillage(models.Model):
    """A village a team serves (the table and columns Django made for health's many-to-many)."""

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, db_column="familydoctorteam_id")
    region = models.ForeignKey(Region, on_delete=models.CASCADE)

    class Meta:
        db_table = "health_familydoctorteam_villages"
        unique_together = [("team", "region")]


class AccessGrantQuerySet(models.QuerySet):
    def active_on(self, day: dt.date) -> AccessGrantQuerySet:
        """Grants in force on ``day``: ``valid_from <= day <= valid_to`` (both ends inclusive; no end
        means open-ended)."""
        return self.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class AccessGrant(models.Model):
    """Who may see which elder, from when to when, and why (DESIGN §2: scope is data).

    Exactly one grantee: a user, a care team or an institution. ``valid_from`` and ``valid_to`` are
    both inclusive (the same convention as contracts: a contract ending today still counts today);
    ``valid_to`` empty means until further notice. The source names the record whose relationship
    opened the elder, as ``<app>.<model>`` plus its primary key (``health.contract`` / ``123``), so
    the service that ends the relationship can end exactly its grants. Only the services of the
    source record write grants, in their own transaction, through :mod:`yiyang.core.grants`;
    :mod:`yiyang.core.scoping` reads them.
    """

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="access_grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_grants",
        db_index=False,  # the (user, elder) index below serves
    )
    team = models.ForeignKey(
        CareTeam,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_grants",
        db_index=False,
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_grants",
        db_index=False,
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (inclusive)"), null=True, blank=True)
    source_type = models.CharField(_("source record type"), max_length=40)
    source_id = models.CharField(_("source record id"), max_length=40)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        # Each scope branch is one index range: grantee first, then the elder, then the validity dates,
        # so the scope sub-query can answer from the index alone.
        indexes = [
            models.Index(fields=["team", "elder", "valid_from", "valid_to"], name="core_grant_team"),
            models.Index(fields=["user", "elder", "valid_from", "valid_to"], name="core_grant_user"),
            models.Index(fields=["institution", "elder", "valid_from", "valid_to"], name="core_grant_inst"),
            models.Index(fields=["source_type", "source_id"], name="core_grant_source"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True, institution__isnull=True)
                | Q(user__isnull=True, team__isnull=False, institution__isnull=True)
                | Q(user__isnull=True, team__isnull=True, institution__isnull=False),
                name="core_grant_one_grantee",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="core_grant_window",
            ),
        ]

    def __str__(self) -> str:
        grantee = (
            f"user {self.user_id}"
            if self.user_id
            else f"team {self.team_id}"
            if self.team_id
            else f"institution {self.institution_id}"
        )
        return f"{grantee} → elder {self.elder_id} {self.valid_from}–{self.valid_to or ''} ({self.source})"

    @property
    def source(self) -> str:
        """``health.contract:123``."""
        return f"{self.source_type}:{self.source_id}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Log in")
    LOGIN_FAILED = "login_failed", _("Failed log-in")
    LOGOUT = "logout", _("Log out")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    VIEW = "view", _("View")
    REVEAL = "reveal", _("Reveal")
    EXPORT = "export", _("Export")


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("audit events are append-only")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """审计日志: append-only. The app can only insert; on PostgreSQL a trigger refuses UPDATE and DELETE."""

    at = models.DateTimeField(_("time"), default=clock.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    username = models.CharField(_("user"), max_length=150)
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=120, blank=True)
    field = models.CharField(_("field"), max_length=40, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=8, blank=True)  # web / api / task / cli

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="core_audit_object")]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("audit events are append-only")


class StateTransitionQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("state history is append-only")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("state history is append-only")


class StateTransition(models.Model):
    """One move of any record's state machine (core.transitions): which record, from, to, by which
    action, who, when and why. Append-only; written only by ``StateMachine.apply``, in the move's
    transaction, next to the audit row."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    from_state = models.CharField(_("from"), max_length=32)
    to_state = models.CharField(_("to"), max_length=32)
    action = models.CharField(_("action"), max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("time"), default=clock.now)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    #: the action's other arguments, JSON-plain (an effective date, an end date …)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = StateTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="core_transition_object")]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.from_state}→{self.to_state}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise PermissionError("state history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("state history is append-only")


# Staff of institutions (工作人员; issue 12): the model lives in its own module, imported here so Django
# registers it with the registry app.
from .staff import Staff, StaffPost  # noqa: E402, F401
