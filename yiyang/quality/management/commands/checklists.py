"""``manage.py checklists``: list, describe and load inspection checklists (JSON out).

A contract other tools rely on (like ``manage.py assess``):

* ``checklists list`` → ``[{"code", "version", "title", "kind", "label", "origin"}, …]``
* ``checklists describe <code> [--version V]`` → the definition, with a flat ``items`` list
* ``checklists load <file.yaml> [--note …]`` → validates the file and stores it as a new version in
  the database (a province's or county's own checklist, no code change); from then on new inspections
  with that code use it. Exits 1 with the problems listed when the file is invalid or the version exists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from yiyang.quality.checklists.registry import (
    ChecklistError,
    UnknownChecklist,
    all_checklists,
    describe,
    get_checklist,
    parse_checklist,
    shipped,
)


class Command(BaseCommand):
    help = "List, describe and load inspection checklists (JSON on standard output)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Checklists in use with their code, version and title.")
        d = sub.add_parser("describe", help="One checklist's definition.")
        d.add_argument("code")
        d.add_argument("--version", dest="checklist_version", default=None)
        load = sub.add_parser("load", help="Store a checklist file as a new version in the database.")
        load.add_argument("file")
        load.add_argument("--note", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            files = shipped()
            self._out(
                [
                    {
                        "code": c.code,
                        "version": c.version,
                        "title": c.title,
                        "kind": c.kind,
                        "label": c.label,
                        "origin": "file" if files.get(c.code) == c else "database",
                    }
                    for c in all_checklists()
                ]
            )
        elif action == "describe":
            try:
                checklist = get_checklist(options["code"], options["checklist_version"])
            except UnknownChecklist:
                codes = ", ".join(c.code for c in all_checklists())
                self._fail(
                    _("Unknown checklist “%(code)s”; available: %(codes)s.")
                    % {"code": options["code"], "codes": codes}
                )
            self._out(describe(checklist))
        else:
            self._load(Path(options["file"]), options["note"])

    def _load(self, path: Path, note: str) -> None:
        from yiyang.quality.models import ChecklistVersion

        try:
            checklist = parse_checklist(path.read_text(encoding="utf-8"), origin=path.name)
        except OSError as exc:
            self._fail(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc})
        except ChecklistError as exc:
            self._fail(str(exc))
        if ChecklistVersion.objects.filter(code=checklist.code, version=checklist.version).exists() or (
            shipped().get(checklist.code) is not None
            and shipped()[checklist.code].version == checklist.version
        ):
            self._fail(
                _("Checklist %(code)s version %(version)s already exists; give the file a new version.")
                % {"code": checklist.code, "version": checklist.version}
            )
        row = ChecklistVersion.objects.create(
            code=checklist.code,
            version=checklist.version,
            title=checklist.title,
            definition=checklist.model_dump(mode="json"),
            note=note[:200],
        )
        self._out({"loaded": str(row), "items": len(checklist.items())})

    def _out(self, payload: Any) -> None:
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

    def _fail(self, message: str) -> Any:
        self.stderr.write(message)
        raise SystemExit(1)
