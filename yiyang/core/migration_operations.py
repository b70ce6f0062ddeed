"""Migration operations for a table that changed owner between apps (the care-team table).

``health.FamilyDoctorTeam`` became ``core.CareTeam`` keeping its table (core migration 0007). A
database migrated before the move already has the table (made by health 0001) and the role
assignments' ``team_id`` column (made by the first accounts 0003); a fresh database gets them from
whichever of core 0007 and health 0001 runs first, and accounts 0006. Neither core nor accounts may
depend on a health migration, so these operations change the schema only when the table or column
is not there yet; the migration state changes as usual.

Reversing them leaves the table or column in place: the other app's migrations may still use it.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _tables(schema_editor: Any) -> set[str]:
    with schema_editor.connection.cursor() as cursor:
        return set(schema_editor.connection.introspection.table_names(cursor))


class CreateModelIfMissing(migrations.CreateModel):
    """``CreateModel`` whose table (and auto-created many-to-many tables) may already exist."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.name)
        if model._meta.db_table in _tables(schema_editor):
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        return None

    def describe(self) -> str:
        return f"Create model {self.name} unless its table exists"


class AddFieldIfMissing(migrations.AddField):
    """``AddField`` whose column may already exist."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        column = model._meta.get_field(self.name).column
        with schema_editor.connection.cursor() as cursor:
            columns = {
                c.name
                for c in schema_editor.connection.introspection.get_table_description(
                    cursor, model._meta.db_table
                )
            }
        if column in columns:
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        return None

    def describe(self) -> str:
        return f"Add field {self.name} to {self.model_name} unless its column exists"
