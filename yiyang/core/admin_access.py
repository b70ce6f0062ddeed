"""Django admin pages opened by yiyang's roles, not by Django's superuser flag (三权分立, issue 15).

No account is a superuser. Each admin page names the role permission that lets a user see it and the
one that lets them change it (``accounts/roles.py``); Django's own per-model permissions are not used,
so the roles table stays the one place that says who may do what.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .scoping import has_perm


class RolePermissionAdmin(admin.ModelAdmin):
    #: the role permission that shows the page (read-only), and the one that allows changes
    view_permission = ""
    change_permission = ""
    #: whether holders of ``change_permission`` may delete rows here
    can_delete = False

    def _has(self, request: HttpRequest, perm: str) -> bool:
        return bool(perm) and request.user.is_active and has_perm(request.user, perm)  # type: ignore[arg-type]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._has(request, self.view_permission) or self._has(request, self.change_permission)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._has(request, self.change_permission)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._has(request, self.change_permission)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.can_delete and self._has(request, self.change_permission)
