from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from yiyang.core.actors import SYSTEM_USERNAME

from .models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ("region", "institution")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("yiyang", {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    inlines = [RoleAssignmentInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        """The system actor is not a person to manage: no password, no roles (yiyang.core.actors)."""
        return super().get_queryset(request).exclude(username=SYSTEM_USERNAME)
