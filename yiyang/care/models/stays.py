"""床位与入住: beds as records, stays (入住) that move through one state machine, and daily care notes.

A stay is one elder's time in one institution, from admission to discharge or death. In an integrated
institution the elder moves between 住院 (``medical``) and 休养 (``care``) inside the same stay, so the
archive and the history stay one (seeds 000 篇三/十七). The database holds the two rules that must hold
under concurrent requests: one active stay per elder and one active stay per bed (partial unique
constraints); the services lock the bed and the elder rows before they check and write.

Only :mod:`yiyang.care.services.stays` writes these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.models import Elder, Institution


class BedKind(models.TextChoices):
    """The kinds of bed an institution records. The values are :class:`yiyang.core.models.BedKind`'s
    (declared capacity), so one indicator condition (``kind: eldercare_nursing``) reads both the bed
    records and the declared counts; ``day_care`` places are not beds of a 养老机构 (IR-9, IR-10)."""

    ELDERCARE = "eldercare", _("Eldercare bed")
    ELDERCARE_NURSING = "eldercare_nursing", _("Nursing-type bed")
    GENERAL = "general", _("Medical bed")
    NURSING = "nursing", _("Nursing bed (medical)")
    REHAB = "rehab", _("Rehabilitation bed")
    HOSPICE = "hospice", _("Hospice bed")
    DAY_CARE = "day_care", _("Day-care place")


#: bed kinds of eldercare (休养) stays and of medical (住院) stays
CARE_BED_KINDS = frozenset({BedKind.ELDERCARE, BedKind.ELDERCARE_NURSING, BedKind.HOSPICE})
MEDICAL_BED_KINDS = frozenset({BedKind.GENERAL, BedKind.NURSING, BedKind.REHAB, BedKind.HOSPICE})


class BedStatus(models.TextChoices):
    FREE = "free", _("Free")
    OCCUPIED = "occupied", _("Occupied")
    RESERVED = "reserved", _("Reserved (resident on leave)")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class Bed(models.Model):
    """床位: one bed of an institution, where it is (building, floor, room) and what kind it is.
    ``status`` follows the stays (occupied, reserved while the resident is on leave); only an
    administrator takes a free bed out of service and back."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="care_beds", verbose_name=_("institution")
    )
    building = models.CharField(_("building"), max_length=40, blank=True)
    floor = models.CharField(_("floor"), max_length=10, blank=True)
    room = models.CharField(_("room"), max_length=20)
    number = models.CharField(_("bed number"), max_length=20)
    kind = models.CharField(_("bed type"), max_length=20, choices=BedKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=BedStatus.choices, default=BedStatus.FREE)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("bed")
        verbose_name_plural = _("beds")
        ordering = ["institution_id", "building", "floor", "room", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "building", "room", "number"], name="care_bed_place_once"
            )
        ]
        indexes = [models.Index(fields=["institution", "kind", "status"], name="care_bed_inst_kind")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """楼-房间-床 as a home writes it: 1号楼 201-2."""
        place = f"{self.room}-{self.number}"
        return f"{self.building} {place}".strip()


class StayStatus(models.TextChoices):
    """Where a stay is: in an eldercare bed (休养), a medical bed (住院), on leave, or ended."""

    CARE = "care", _("In residence (eldercare)")
    MEDICAL = "medical", _("In hospital (medical)")
    ON_LEAVE = "on_leave", _("On leave")
    DISCHARGED = "discharged", _("Discharged")
    DECEASED = "deceased", _("Deceased")


#: a stay in one of these holds its bed and its elder
ACTIVE_STAY_STATUSES = (StayStatus.CARE, StayStatus.MEDICAL, StayStatus.ON_LEAVE)


class StayMode(models.TextChoices):
    CARE = "care", _("Eldercare (休养)")
    MEDICAL = "medical", _("Medical (住院)")


class AdmissionSource(models.TextChoices):
    HOME = "home", _("From home")
    HOSPITAL = "hospital", _("From hospital")
    REFERRAL = "referral", _("By referral")
    OTHER_INSTITUTION = "other_institution", _("From another eldercare institution")


class DischargeDestination(models.TextChoices):
    HOME = "home", _("Back home")
    HOSPITAL = "hospital", _("Hospital")
    OTHER_INSTITUTION = "other_institution", _("Another institution")
    OTHER = "other", _("Other")


class Stay(models.Model):
    """入住: one elder's stay in one institution, admission to discharge or death. ``status`` moves only
    through ``care.services.stays.STAY``; ``bed`` is the current (or, once ended, the last) bed."""

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="stays", verbose_name=_("elder"))
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="stays", verbose_name=_("institution")
    )
    bed = models.ForeignKey(
        Bed, on_delete=models.PROTECT, related_name="stays", verbose_name=_("bed"), null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=12, choices=StayStatus.choices)
    admitted_on = models.DateField(_("admitted on"))
    source = models.CharField(
        _("admitted from"), max_length=20, choices=AdmissionSource.choices, default=AdmissionSource.HOME
    )
    #: the ability level (GB/T 42195) of the latest assessment at admission, kept as it was then
    care_level_code = models.CharField(_("care level code"), max_length=16, blank=True)
    care_level = models.CharField(_("care level"), max_length=64, blank=True)
    assessment = models.ForeignKey(
        "assessments.AssessmentResponse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ability assessment"),
    )
    contract = models.ForeignKey(
        "health.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("family doctor contract"),
    )
    guardian_name = models.CharField(_("guardian"), max_length=40, blank=True)
    guardian_relation = models.CharField(_("relation"), max_length=20, blank=True)
    guardian_phone_encrypted = models.TextField(_("guardian phone (encrypted)"), blank=True)
    guardian_phone_masked = models.CharField(_("guardian phone"), max_length=20, blank=True)
    leave_since = models.DateField(_("on leave since"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    destination = models.CharField(
        _("discharged to"), max_length=20, choices=DischargeDestination.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["-admitted_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder"], condition=Q(status__in=ACTIVE_STAY_STATUSES), name="care_stay_one_per_elder"
            ),
            models.UniqueConstraint(
                fields=["bed"], condition=Q(status__in=ACTIVE_STAY_STATUSES), name="care_stay_one_per_bed"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("admitted_on")),
                name="care_stay_dates",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "status"], name="care_stay_inst_status"),
            models.Index(fields=["elder", "admitted_on"], name="care_stay_elder"),
        ]

    def __str__(self) -> str:
        return f"{self.elder} @ {self.institution}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STAY_STATUSES

    @property
    def mode(self) -> str:
        """``medical`` while in hospital mode, else ``care`` (also on leave and after the end)."""
        return StayMode.MEDICAL if self.status == StayStatus.MEDICAL else StayMode.CARE


class CareNoteKind(models.TextChoices):
    DAILY_LIFE = "daily_life", _("Daily life care")
    NURSING = "nursing", _("Nursing care")
    MEDICATION = "medication", _("Medication")
    REHABILITATION = "rehabilitation", _("Rehabilitation exercise")
    PSYCHOLOGICAL = "psychological", _("Psychological care")
    OBSERVATION = "observation", _("Observation")


class CareNote(models.Model):
    """照护记录: what was done for a resident, by whom and when (a daily care record)."""

    stay = models.ForeignKey(
        Stay, on_delete=models.PROTECT, related_name="care_notes", verbose_name=_("stay")
    )
    elder = models.ForeignKey(
        Elder, on_delete=models.PROTECT, related_name="care_notes", verbose_name=_("elder")
    )
    kind = models.CharField(_("type of care"), max_length=20, choices=CareNoteKind.choices)
    content = models.TextField(_("what was done"), max_length=1000)
    done_at = models.DateTimeField(_("done at"), default=clock.now)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("done by")
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("care note")
        verbose_name_plural = _("care notes")
        ordering = ["-done_at", "-pk"]
        indexes = [models.Index(fields=["elder", "done_at"], name="care_note_elder")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.done_at:%Y-%m-%d}"
