"""Accounts in Django admin, split by 三权分立 (issue 15): the system administrator keeps accounts
(no superuser flag, groups or Django permissions to set: roles say who may do what); the security
administrator gives and takes roles, through :mod:`yiyang.accounts.services` (checked and audited)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiyang.core import audit
from yiyang.core.actors import SYSTEM_USERNAME
from yiyang.core.admin_access import RolePermissionAdmin
from yiyang.core.errors import ServiceError

from . import services
from .models import RoleAssignment, User


@admin.register(User)
class UserAdmin(RolePermissionAdmin, BaseUserAdmin):
    view_permission = "user.view"
    change_permission = "user.manage"
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "is_staff")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff")
    filter_horizontal = ()

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        """The system actor is not a person to manage: no password, no roles (yiyang.core.actors)."""
        return super().get_queryset(request).exclude(username=SYSTEM_USERNAME)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        fields = [f for f in form.changed_data if f not in ("password", "password1", "password2")]
        if any(f in form.changed_data for f in ("password", "password1", "password2")):
            fields.append("password")
        audit.record(
            "update" if change else "create",
            user=request.user,  # type: ignore[arg-type]
            obj=obj,
            changes={"fields": fields},
        )


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "region", "institution", "team")

    def __init__(self, *args: Any, acting_user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if self.errors:
            return data
        try:
            services.check_assignment(self.acting_user, data["user"], data["role"])
        except ServiceError as exc:
            field = exc.field if exc.field in self.fields else NON_FIELD_ERRORS
            raise ValidationError({field: exc.message}) from None
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(RolePermissionAdmin):
    """Roles are given and taken, never edited in place: a change is a new row and an ended one."""

    view_permission = "role.manage"
    change_permission = "role.manage"
    can_delete = True
    list_display = ("user", "role", "region", "institution", "team", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user", "region", "institution", "team")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        acting = cast(User, request.user)

        class Form(RoleAssignmentForm):
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, acting_user=acting, **kw)

        kwargs["form"] = Form
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        assigned = services.assign_role(
            request.user,  # type: ignore[arg-type]
            obj.user,
            obj.role,
            region=obj.region,
            institution=obj.institution,
            team=obj.team,
        )
        obj.pk = assigned.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.end_role(request.user, obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            services.end_role(request.user, obj)  # type: ignore[arg-type]


# Django's groups and per-model permissions are not how yiyang grants anything: hide them.
admin.site.unregister(Group)
