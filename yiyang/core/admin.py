"""Django admin holds reference data only (regions, institutions). Elders are deliberately not
registered: personal data is reachable only through the scoped pages and API. Audit rows are
read-only here, and only for the audit administrator (三权分立). Pages open by role permission
(:mod:`yiyang.core.admin_access`), never by a superuser flag."""

from django.contrib import admin

from .admin_access import RolePermissionAdmin
from .models import AuditEvent, BedCapacity, Department, Institution, Region


@admin.register(Region)
class RegionAdmin(RolePermissionAdmin):
    view_permission = "institution.change"
    change_permission = "institution.change"
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


class BedInline(admin.TabularInline):
    model = BedCapacity
    extra = 0


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(RolePermissionAdmin):
    view_permission = "institution.change"
    change_permission = "institution.change"
    list_display = ("name", "kind", "grade", "ownership", "region", "is_active")
    list_filter = ("kind", "grade", "ownership", "is_active")
    search_fields = ("name", "uscc")
    raw_id_fields = ("region", "parent")
    filter_horizontal = ("service_area",)
    inlines = [BedInline, DepartmentInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "service_area":
            kwargs["queryset"] = Region.objects.filter(level__in=["township", "village"])
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        from . import audit

        audit.record(
            "update" if change else "create",
            user=request.user,
            obj=obj,
            changes={"fields": list(form.changed_data)},
        )


@admin.register(AuditEvent)
class AuditEventAdmin(RolePermissionAdmin):
    """The audit administrator reads the trail; nobody adds, changes or deletes a row (the database
    refuses it too)."""

    view_permission = "audit.view_all"
    list_display = ("at", "username", "action", "object_type", "object_id", "field", "ip", "channel")
    list_filter = ("action", "channel", "object_type")
    search_fields = ("username", "object_id")
