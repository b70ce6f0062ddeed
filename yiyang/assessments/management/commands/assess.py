"""``manage.py assess``: list, describe and score instruments from the command line (JSON out).

A contract other tools rely on (DESIGN.md §6):

* ``assess list`` → ``[{"code", "version", "name"}, …]``
* ``assess describe <code>`` → the definition, with a flat ``items`` list (codes, options, scores)
* ``assess score <code> <answers.json>`` where the file is ``{"items": {"<item code>": <score or code>}}``
  → ``{"total", "subscores", "level", "level_reason", …}``; exits 1 with one Chinese line per item at
  fault (or for an unknown instrument or unreadable file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from yiyang.assessments.describe import describe_instrument
from yiyang.assessments.engine import AnswerError, score
from yiyang.assessments.registry import UnknownInstrument, all_instruments, get_instrument


class Command(BaseCommand):
    help = "List, describe and score assessment instruments (JSON on standard output)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Instruments with their code, version and name.")
        describe = sub.add_parser("describe", help="One instrument's definition.")
        describe.add_argument("code")
        score_parser = sub.add_parser("score", help='Score a JSON file {"items": {...}}; "-" reads stdin.')
        score_parser.add_argument("code")
        score_parser.add_argument("answers")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self._out([{"code": i.code, "version": i.version, "name": i.name} for i in all_instruments()])
        elif action == "describe":
            self._out(describe_instrument(self._instrument(options["code"])))
        else:
            instrument = self._instrument(options["code"])
            items = self._read_answers(options["answers"])
            try:
                result = score(instrument, items)
            except AnswerError as exc:
                self._fail([p.message for p in exc.problems])
            self._out(result.as_dict())

    def _instrument(self, code: str) -> Any:
        try:
            return get_instrument(code)
        except UnknownInstrument:
            codes = ", ".join(i.code for i in all_instruments())
            self._fail(
                [_("Unknown instrument “%(code)s”; available: %(codes)s.") % {"code": code, "codes": codes}]
            )

    def _read_answers(self, path: str) -> dict[str, Any]:
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            self._fail([_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}])
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self._fail([_("%(path)s is not valid JSON: %(error)s") % {"path": path, "error": exc.msg}])
        if not isinstance(data, dict) or not isinstance(data.get("items"), dict):
            self._fail([_("%(path)s must be an object with an “items” object.") % {"path": path}])
        return data["items"]

    def _out(self, payload: Any) -> None:
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

    def _fail(self, messages: list[str]) -> Any:
        for message in messages:
            self.stderr.write(message)
        raise SystemExit(1)
