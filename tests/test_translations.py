"""The Spanish and Brazilian Portuguese catalogues are complete and compiled: every string has a
translation, none is a fuzzy guess, and the committed .mo files say what the .po files say (so a fresh
checkout shows them without gettext installed)."""

import ast
import gettext
import shutil
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "locale"


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, plural, msgstr forms, flags. Enough of the format for a check."""
    entries, entry, field = [], None, None

    def flush():
        if entry and "msgid" in entry:
            entries.append(entry)

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            flush()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "parts": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry["parts"][field].append(line)
        else:
            field, _, rest = line.partition(" ")
            entry["parts"][field] = [rest]
            entry["msgid"] = True
    return [
        {
            "flags": e["flags"],
            "context": _unquote(e["parts"]["msgctxt"]) if "msgctxt" in e["parts"] else None,
            "msgid": _unquote(e["parts"]["msgid"]),
            "plural": _unquote(e["parts"]["msgid_plural"]) if "msgid_plural" in e["parts"] else None,
            "msgstr": [_unquote(v) for k, v in sorted(e["parts"].items()) if k.startswith("msgstr")],
        }
        for e in entries
    ]


@pytest.mark.parametrize("language", ["es", "pt_BR"])
def test_every_string_is_translated_and_none_is_fuzzy(language):
    entries = [e for e in read_po(LOCALE / language / "LC_MESSAGES" / "django.po") if e["msgid"]]
    assert len(entries) > 200
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("language", ["es", "pt_BR"])
def test_the_compiled_catalogue_matches_the_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with open(folder / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in read_po(folder / "django.po"):
        if not entry["msgid"] or entry["plural"] or "fuzzy" in entry["flags"] or not entry["msgstr"][0]:
            continue
        key = f"{entry['context']}\x04{entry['msgid']}" if entry["context"] else entry["msgid"]
        if compiled.gettext(key) != entry["msgstr"][0]:
            stale.append(entry["msgid"])
    assert not stale, f"django.mo is older than django.po (run `make messages`): {stale[:5]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext's xgettext is not installed (CI has it)")
def test_the_catalogues_hold_every_string_in_the_source(tmp_path, settings, monkeypatch):
    """`make messages` run now would add nothing: every translatable string in the code and the
    templates is already in the committed catalogues (a new string cannot ship untranslated).

    makemessages writes next to the sources it reads, so it runs on a copy of the project."""
    from django.core.management import call_command

    copy = tmp_path / "project"
    shutil.copytree(
        LOCALE.parent, copy,
        ignore=shutil.ignore_patterns(".*", "tests", "bench", "artifacts", "staticfiles", "node_modules", "*.sqlite3*"),
    )
    settings.LOCALE_PATHS = []
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["es"], no_obsolete=True, verbosity=0)
    committed = {(e["context"], e["msgid"]) for e in read_po(LOCALE / "es" / "LC_MESSAGES" / "django.po")}
    current = {(e["context"], e["msgid"]) for e in read_po(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")}
    assert not sorted(current - committed, key=str), "strings missing from the catalogues: run `make messages`"
