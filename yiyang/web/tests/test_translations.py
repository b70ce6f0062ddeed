"""The Simplified Chinese catalogue is complete, checked, and the committed ``.mo`` is what the ``.po`` says.

Why: every page and error message is shown in Chinese through Django i18n. An empty ``msgstr`` shows
the English text to a county officer; a ``#, fuzzy`` entry is silently dropped by ``msgfmt`` (so also
shows English); and the ``.mo`` is committed because a fresh machine may have no gettext tools, so a
``.po`` edited without recompiling would ship translations nobody sees.

The parser below is a small reader for the subset of the PO format that ``makemessages`` writes
(comments, flags, ``msgctxt``, ``msgid``, ``msgid_plural``, ``msgstr``/``msgstr[n]``, continuation
lines, ``#~`` obsolete entries). Each check is a function of file paths so the tests can also show it
fails on a broken copy.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
MESSAGES_DIR = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = MESSAGES_DIR / "django.po"
MO_PATH = MESSAGES_DIR / "django.mo"
#: the project catalogue (LOCALE_PATHS, looked up first) and any app's own (``yiyang/<app>/locale``):
#: ``makemessages`` puts each string in the catalogue of the nearest ``locale`` directory above its file.
ALL_PO_PATHS = [PO_PATH, *sorted((BASE_DIR / "yiyang").glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))]
CATALOGUE_IDS = [str(p.relative_to(BASE_DIR)) for p in ALL_PO_PATHS]

#: printf-style placeholders as Python's ``%`` operator reads them (``%(name)s``, ``%d``), not ``%%``.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifeEgGxXocr]")


@dataclass
class Entry:
    """One message of a PO file."""

    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        """The key ``gettext`` uses for the singular form (context and id joined by EOT)."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def parse_po(text: str) -> list[Entry]:
    """The entries of a PO file, header included (its msgid is ``""``), obsolete ``#~`` entries left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which string a continuation line extends
    pending_flags: set[str] = set()

    def start(lineno: int) -> Entry:
        nonlocal current, pending_flags
        if current is not None:
            entries.append(current)
        current = Entry(line=lineno, flags=pending_flags)
        pending_flags = set()
        return current

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None
            continue
        if line.startswith("#,"):
            pending_flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"line {lineno}: a string continues nothing")
            name, index = target
            value: str = ast.literal_eval(line)
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest.strip())
        if keyword == "msgctxt" or (keyword == "msgid" and (current is None or current.msgstr)):
            entry = start(lineno)
        elif current is None:
            raise ValueError(f"line {lineno}: {keyword} before any msgid")
        else:
            entry = current
        if keyword in {"msgctxt", "msgid", "msgid_plural"}:
            setattr(entry, keyword, value)
            target = (keyword, 0)
        elif keyword == "msgstr":
            entry.msgstr[0] = value
            target = ("msgstr", 0)
        elif m := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
            entry.msgstr[int(m.group(1))] = value
            target = ("msgstr", int(m.group(1)))
        else:
            raise ValueError(f"line {lineno}: unknown keyword {keyword!r}")
    if current is not None:
        entries.append(current)
    return entries


def expected_catalogue(entries: list[Entry]) -> dict[object, str]:
    """What ``msgfmt`` compiles from these entries, keyed as ``GNUTranslations._catalog`` keys them.

    Fuzzy entries and entries with an empty translation are left out, as ``msgfmt`` leaves them out.
    """
    catalogue: dict[object, str] = {}
    for e in entries:
        if "fuzzy" in e.flags or not e.msgstr or any(v == "" for v in e.msgstr.values()):
            continue
        if e.msgid_plural is None:
            catalogue[e.key] = e.msgstr[0]
        else:
            for index, value in e.msgstr.items():
                catalogue[(e.key, index)] = value
    return catalogue


def read_mo(mo_path: Path) -> dict[object, str]:
    with mo_path.open("rb") as fh:
        return dict(gettext.GNUTranslations(fh)._catalog)  # type: ignore[attr-defined]


def po_problems(po_path: Path) -> list[str]:
    """Every entry that would show English or break at run time: empty, fuzzy, or placeholders changed."""
    return po_text_problems(po_path.read_text(encoding="utf-8"), po_path.name)


def po_text_problems(text: str, name: str = "django.po") -> list[str]:
    problems: list[str] = []
    for e in parse_po(text):
        where = f"{name}:{e.line} {e.msgid[:60]!r}"
        if "fuzzy" in e.flags:
            problems.append(f"{where}: fuzzy")
        if not e.msgstr or any(v == "" for v in e.msgstr.values()):
            problems.append(f"{where}: empty msgstr")
            continue
        if e.msgid == "":
            continue
        wanted = sorted(PLACEHOLDER.findall(e.msgid.replace("%%", "")))
        wanted_plural = sorted(PLACEHOLDER.findall((e.msgid_plural or e.msgid).replace("%%", "")))
        for index, value in e.msgstr.items():
            got = sorted(PLACEHOLDER.findall(value.replace("%%", "")))
            if got not in (wanted, wanted_plural):
                problems.append(f"{where}: msgstr[{index}] has placeholders {got}, msgid has {wanted}")
    return problems


def mo_problems(po_path: Path, mo_path: Path) -> list[str]:
    """How the compiled catalogue differs from what the PO file says it should hold."""
    if not mo_path.exists():
        return [f"{mo_path.name} is missing: run manage.py compilemessages -l zh_Hans"]
    expected = expected_catalogue(parse_po(po_path.read_text(encoding="utf-8")))
    compiled = read_mo(mo_path)
    problems = []
    for key in sorted(expected.keys() - compiled.keys(), key=str):
        problems.append(f"not compiled: {key!r}")
    for key in sorted(compiled.keys() - expected.keys(), key=str):
        problems.append(f"compiled but no longer in the .po: {key!r}")
    for key in sorted(expected.keys() & compiled.keys(), key=str):
        if key != "" and expected[key] != compiled[key]:
            problems.append(
                f"stale translation of {key!r}: .mo has {compiled[key]!r}, .po has {expected[key]!r}"
            )
    return problems


# --- the real catalogue ---------------------------------------------------------------------------


def test_catalogue_exists() -> None:
    assert PO_PATH.is_file(), PO_PATH
    assert MO_PATH.is_file(), MO_PATH


@pytest.mark.parametrize("po_path", ALL_PO_PATHS, ids=CATALOGUE_IDS)
def test_every_message_is_translated_and_checked(po_path: Path) -> None:
    assert po_problems(po_path) == []


@pytest.mark.parametrize("po_path", ALL_PO_PATHS, ids=CATALOGUE_IDS)
def test_committed_mo_matches_po(po_path: Path) -> None:
    problems = mo_problems(po_path, po_path.with_suffix(".mo"))
    assert problems == [], "the .mo is out of date: run manage.py compilemessages -l zh_Hans\n" + "\n".join(
        problems
    )


@pytest.mark.skipif(
    shutil.which("msgfmt") is None and os.environ.get("CI") != "true",
    reason="GNU gettext's msgfmt is not installed (CI installs it, and there this check never skips)",
)
@pytest.mark.parametrize("po_path", ALL_PO_PATHS, ids=CATALOGUE_IDS)
def test_msgfmt_accepts_po_and_compiles_what_is_committed(po_path: Path, tmp_path: Path) -> None:
    """Where gettext is installed, its own compiler (with format checks) gives the committed catalogue."""
    fresh = tmp_path / "django.mo"
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["msgfmt", "--check-format", "--check-header", "-o", str(fresh), str(po_path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert read_mo(fresh) == read_mo(po_path.with_suffix(".mo"))


def test_project_catalogue_does_not_shadow_an_app_translation() -> None:
    """LOCALE_PATHS is searched first: the same msgid translated differently there hides the app's."""
    project = expected_catalogue(parse_po(PO_PATH.read_text(encoding="utf-8")))
    clashes = []
    for po_path in ALL_PO_PATHS[1:]:
        for key, value in expected_catalogue(parse_po(po_path.read_text(encoding="utf-8"))).items():
            if key != "" and key in project and project[key] != value:
                clashes.append(
                    f"{key!r}: {po_path.relative_to(BASE_DIR)} has {value!r}, locale/ has {project[key]!r}"
                )
    assert clashes == []


def test_django_serves_the_catalogue() -> None:
    """``LANGUAGE_CODE`` zh-hans finds ``locale/zh_Hans`` (a wrong directory would fall back to English)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Register elder") == "老年人建档"
        assert translation.ngettext("%(n)s elder", "%(n)s elders", 5) % {"n": 5} == "共 5 名老年人"


# --- the checks catch what they are for ------------------------------------------------------------

SAMPLE = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

#: a.py:1
msgid "Elders"
msgstr "老年人"

#: a.py:2
#, python-format
msgid "%(n)s elder"
msgid_plural "%(n)s elders"
msgstr[0] "共 %(n)s 名"
"老年人"

msgctxt "audit action"
msgid "View"
msgstr "查看"

#~ msgid "Gone"
#~ msgstr ""
"""


def test_parser_reads_plural_context_continuation_and_skips_obsolete() -> None:
    entries = {e.key: e for e in parse_po(SAMPLE)}
    assert set(entries) == {"", "Elders", "%(n)s elder", "audit action\x04View"}
    assert entries["%(n)s elder"].msgstr == {0: "共 %(n)s 名老年人"}
    assert entries["%(n)s elder"].flags == {"python-format"}
    assert po_text_problems(SAMPLE) == []


@pytest.mark.parametrize(
    ("broken", "complaint"),
    [
        (SAMPLE.replace('msgstr "老年人"', 'msgstr ""'), "empty msgstr"),
        (SAMPLE.replace("#: a.py:1\n", "#: a.py:1\n#, fuzzy\n"), "fuzzy"),
        (SAMPLE.replace('msgstr[0] "共 %(n)s 名"', 'msgstr[0] "共 %(m)s 名"'), "placeholders"),
        (SAMPLE.replace('msgstr[0] "共 %(n)s 名"\n"老年人"', 'msgstr[0] ""'), "empty msgstr"),
    ],
)
def test_po_check_fails_on_broken_catalogue(broken: str, complaint: str) -> None:
    problems = po_text_problems(broken)
    assert problems and all(complaint in p for p in problems), problems


def write_mo(path: Path, catalogue: dict[str, str]) -> None:
    """A minimal GNU .mo file (what msgfmt writes, without the hash table); plural keys are "one\\0other"."""
    import struct

    items = sorted((str(k).encode(), v.encode()) for k, v in catalogue.items())
    n = len(items)
    ids = b"".join(k + b"\0" for k, _ in items)
    strs = b"".join(v + b"\0" for _, v in items)
    start = 7 * 4 + 16 * n
    offsets_ids, offsets_strs, pos = [], [], 0
    for k, _ in items:
        offsets_ids += [len(k), start + pos]
        pos += len(k) + 1
    pos = 0
    for _, v in items:
        offsets_strs += [len(v), start + len(ids) + pos]
        pos += len(v) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + 8 * n, 0, 0)
    path.write_bytes(
        header + struct.pack(f"{2 * n}i", *offsets_ids) + struct.pack(f"{2 * n}i", *offsets_strs) + ids + strs
    )


def test_mo_check_fails_on_stale_mo(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(SAMPLE, encoding="utf-8")
    mo = tmp_path / "django.mo"
    header = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n"
    good = {
        "": header,
        "Elders": "老年人",
        "%(n)s elder\0%(n)s elders": "共 %(n)s 名老年人",
        "audit action\x04View": "查看",
    }
    write_mo(mo, good)
    assert mo_problems(po, mo) == []

    write_mo(mo, {**good, "Elders": "长者"})
    assert any("stale translation of 'Elders'" in p for p in mo_problems(po, mo))

    write_mo(mo, {k: v for k, v in good.items() if k != "audit action\x04View"})
    assert any("not compiled" in p for p in mo_problems(po, mo))

    write_mo(mo, {**good, "Removed": "已删除"})
    assert any("no longer in the .po" in p for p in mo_problems(po, mo))

    mo.unlink()
    assert mo_problems(po, mo) == [f"{mo.name} is missing: run manage.py compilemessages -l zh_Hans"]
