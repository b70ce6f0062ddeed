"""Users, their role assignments (each bound to a region subtree or an institution) and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiyang.core import clock
from yiyang.core.actors import is_system

from .roles import ROLE_SPECS, Binding, Role

#: how long an API token lives unless it is ended sooner (log-out, password change); short, so a
#: leaked token is worth little (issue 15). ``settings.API_TOKEN_LIFETIME_MINUTES`` overrides it.
TOKEN_LIFETIME = dt.timedelta(hours=2)


def token_lifetime() -> dt.timedelta:
    from django.conf import settings

    minutes = getattr(settings, "API_TOKEN_LIFETIME_MINUTES", None)
    return dt.timedelta(minutes=int(minutes)) if minutes else TOKEN_LIFETIME


class User(AbstractUser):
    """A person who logs in. What they may see comes only from their role assignments."""

    display_name = models.CharField(_("display name"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def active_assignments(self) -> list[RoleAssignment]:
        """Cached per instance: scoping asks for them on every query."""
        cached = getattr(self, "_assignments_cache", None)
        if cached is None:
            cached = list(self.role_assignments.select_related("region", "institution", "team__institution"))
            self._assignments_cache = cached
        return cached

    def permissions(self) -> frozenset[str]:
        perms: set[str] = set()
        for a in self.active_assignments:
            perms |= ROLE_SPECS[a.role].permissions
        return frozenset(perms)


class RoleAssignment(models.Model):
    """One role of one user, bound to what the role's binding requires (region or institution)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    region = models.ForeignKey(
        "core.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    institution = models.ForeignKey(
        "core.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_assignments",
        verbose_name=_("institution"),
    )
    team = models.ForeignKey(
        "core.CareTeam",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("family doctor team"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        target = self.region or self.institution or self.team or ""
        return f"{self.get_role_display()} {target}".strip()

    @property
    def reach(self) -> str:
        """Which elders the role reaches from its binding (:class:`yiyang.core.reach.Reach`)."""
        return ROLE_SPECS[self.role].reach

    def clean(self) -> None:
        if self.user_id and is_system(self.user):
            raise ValidationError({"user": _("The system actor takes no roles.")})
        binding = ROLE_SPECS[self.role].binding
        if binding == Binding.REGION and (self.region is None or self.institution is not None):
            raise ValidationError({"region": _("This role is bound to a region: choose a region only.")})
        if binding == Binding.INSTITUTION and (self.institution is None or self.region is not None):
            raise ValidationError(
                {"institution": _("This role is bound to an institution: choose one only.")}
            )
        if binding == Binding.TEAM and (
            self.team is None or self.region is not None or self.institution is not None
        ):
            raise ValidationError({"team": _("This role is bound to a family doctor team: choose one only.")})
        if binding != Binding.TEAM and self.team is not None:
            raise ValidationError({"team": _("Only the family doctor role is bound to a team.")})
        if binding == Binding.NONE and (self.region is not None or self.institution is not None):
            raise ValidationError({"role": _("This role is not bound to a region or institution.")})


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once when issued."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, *, lifetime: dt.timedelta | None = None) -> str:
        key = secrets.token_urlsafe(32)
        expires = clock.now() + (lifetime or token_lifetime())
        cls.objects.create(user=user, key_hash=cls.hash_key(key), expires_at=expires)
        return key

    @classmethod
    def end_all(cls, user: User) -> int:
        """End every token of ``user`` (log-out from the pages, password change); returns how many."""
        deleted, _ = cls.objects.filter(user=user).delete()
        return deleted
