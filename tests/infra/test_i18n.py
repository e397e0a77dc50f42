"""Catalog completeness: every user-facing msgid in a domain's sources is translated in that
domain's Vietnamese and English catalogs; and every questionnaire label has vi and en.

Sources come from hailong.i18n.DOMAIN_SOURCES (the same globs `pybabel extract` is given), so a
new file or a new string is checked as soon as it exists.
"""

from __future__ import annotations

import copy
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po
from babel.util import pathmatch
from jinja2.ext import babel_extract

from hailong.errors import BadInput, NotFound
from hailong.i18n import DOMAIN_SOURCES, LANGUAGES, Catalogs, MissingMessage, domain_of, po_path
from hailong.periods.service import UnknownPeriod
from survey_flows.questionnaire import QuestionnaireError, parse_questionnaire

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
SKIPPED_DIRECTORIES = {".venv", ".git", "node_modules", "__pycache__", "tests", ".mypy_cache"}
# Letters only Vietnamese uses among the Latin scripts (with đ): a crude test that a
# translation was written in Vietnamese, with its diacritics.
VIETNAMESE = set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)[^{}]*\}(?!\})|%\((\w+)\)[sdif]")
# Shorter texts may be Vietnamese without a diacritic ("Nam", "Trang {n}/{total}").
WORDS_THAT_NEED_A_DIACRITIC = 3


def looks_vietnamese(text: str, english: str) -> bool:
    """Crude: a text of a few words has a Vietnamese letter, and is not the English copied."""
    words = re.findall(r"[^\W\d_]+", PLACEHOLDER.sub(" ", text))
    if len(words) < WORDS_THAT_NEED_A_DIACRITIC:
        return True
    return text != english and bool(VIETNAMESE & set(text.lower()))


@dataclass(frozen=True)
class Extracted:
    msgid: str
    plural: str | None
    context: str | None
    where: str


@functools.cache
def repository_files() -> tuple[str, ...]:
    found: list[str] = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_DIRECTORIES)
        relative = Path(folder).relative_to(ROOT)
        found += [(relative / name).as_posix() for name in sorted(files)]
    return tuple(found)


def source_files(patterns: tuple[str, ...]) -> list[Path]:
    return [
        ROOT / name
        for name in repository_files()
        if any(pathmatch(pattern, name) for pattern in patterns)
    ]


def extract(path: Path) -> Iterator[Extracted]:
    method: Any = babel_extract if path.suffix == ".html" else "python"
    where = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    for line, message, _comments, context in extract_from_file(method, str(path), KEYWORDS):
        singular, plural = (
            (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        )
        if singular:
            yield Extracted(singular, plural, context, f"{where}:{line}")


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def translations(message: Message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, (list, tuple)) else [string or ""]


def load_catalog(domain: str, language: str) -> Catalog | None:
    path = po_path(language, domain)
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=domain)


def missing_or_untranslated(domain: str) -> list[str]:
    extracted = [m for path in source_files(DOMAIN_SOURCES[domain]) for m in extract(path)]
    problems: list[str] = []
    for language in LANGUAGES:
        catalog = load_catalog(domain, language)
        if catalog is None:
            if extracted:
                problems.append(f"{po_path(language, domain)} is missing")
            continue
        for item in extracted:
            message = catalog.get(item.msgid, context=item.context)
            if message is None:
                problems.append(f"{language}: not in the catalog: {item.msgid!r} ({item.where})")
            elif message.fuzzy or not all(translations(message)):
                problems.append(f"{language}: untranslated: {item.msgid!r} ({item.where})")
    return problems


def badly_translated(domain: str, language: str) -> list[str]:
    catalog = load_catalog(domain, language)
    if catalog is None:
        return []
    problems: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        expected = set().union(*(placeholders(i) for i in ids))
        for text in filter(None, translations(message)):
            found = placeholders(text)
            plural = len(ids) > 1
            if (found - expected) if plural else (found != expected):
                problems.append(f"placeholders {sorted(found)} != {sorted(expected)}: {ids[0]!r}")
            if language == "vi" and not looks_vietnamese(text, ids[-1] if plural else ids[0]):
                problems.append(f"not Vietnamese (no diacritic): {text!r} (for {ids[0]!r})")
    return problems


DOMAINS = sorted(DOMAIN_SOURCES)


class TestCatalogsAreComplete:
    @pytest.mark.parametrize("domain", DOMAINS)
    def test_every_msgid_is_translated_in_vi_and_en(self, domain: str) -> None:
        problems = missing_or_untranslated(domain)
        assert problems == [], (
            f"domain {domain!r}: update hailong/locales/{{vi,en}}/LC_MESSAGES/{domain}.po "
            "(see README, CONVENTIONS)\n" + "\n".join(problems)
        )

    @pytest.mark.parametrize("domain", DOMAINS)
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_translations_keep_placeholders_and_vietnamese_letters(
        self, domain: str, language: str
    ) -> None:
        assert badly_translated(domain, language) == []


class TestTheCatalogCheckFindsProblems:
    """The checks above pass by finding nothing; these show what they would find."""

    def test_extracts_python_and_jinja_strings(self, tmp_path: Path) -> None:
        module = tmp_path / "module.py"
        module.write_text(
            'A = N_("Marked")\nB = _("Called")\nC = ngettext("{n} unit", "{n} units", 2)\n'
            "D = f'not {A}'\n",
            encoding="utf-8",
        )
        template = tmp_path / "page.html"
        template.write_text(
            '<p>{{ _("Hello %(name)s", name=x) }}</p>{% trans %}Block{% endtrans %}',
            encoding="utf-8",
        )
        found = {m.msgid for path in (module, template) for m in extract(path)}
        assert found == {"Marked", "Called", "{n} unit", "Hello %(name)s", "Block"}

    def test_placeholders_must_match(self) -> None:
        assert placeholders("Opens on {start}, closes {end:%d/%m}") == {"start", "end"}
        assert placeholders("{{literal}} and %(unit)s") == {"unit"}

    def test_the_vietnamese_check_needs_diacritics(self) -> None:
        assert looks_vietnamese("Cảm ơn Ông/Bà đã trả lời", "Thank you for answering")
        assert not looks_vietnamese("Cam on Ong/Ba da tra loi", "Thank you for answering")
        assert not looks_vietnamese("Please answer this question.", "Please answer this question.")
        assert looks_vietnamese("Trang %(n)s/%(total)s", "Page %(n)s of %(total)s")


PACKAGE_GLOB = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*/\*\*\.(py|html)$")
TOP_MODULE = re.compile(r"^hailong/[a-z0-9_]+\.py$")


class TestDomainsFollowPackages:
    def test_a_domain_owns_whole_packages_or_single_top_modules(self) -> None:
        for domain, patterns in DOMAIN_SOURCES.items():
            for pattern in patterns:
                assert PACKAGE_GLOB.match(pattern) or TOP_MODULE.match(pattern), (domain, pattern)

    def test_every_source_file_with_strings_has_exactly_one_domain(self) -> None:
        owners: dict[str, list[str]] = {}
        for domain, patterns in DOMAIN_SOURCES.items():
            for path in source_files(patterns):
                owners.setdefault(path.relative_to(ROOT).as_posix(), []).append(domain)
        assert {name: found for name, found in owners.items() if len(found) > 1} == {}
        for package in ("hailong", "bot", "webhook", "qr"):
            for path in sorted((ROOT / package).rglob("*.py")):
                name = path.relative_to(ROOT).as_posix()
                if any(True for _ in extract(path)):
                    assert name in owners, f"{name} has strings but no domain"

    def test_moving_code_inside_a_package_keeps_its_domain(self) -> None:
        assert domain_of("hailong.periods.cli") == domain_of("hailong.periods.service")
        assert domain_of("hailong.counters.cli") == domain_of("hailong.counters.bulk")
        assert domain_of("hailong.responses.cli") == domain_of("hailong.responses.service")


class TestStrictLookups:
    def test_tests_look_msgids_up_strictly(self) -> None:
        assert Catalogs.strict

    def test_a_msgid_from_another_domain_fails_loudly(self) -> None:
        web_only = "Please answer this question."
        assert Catalogs("messages").gettext("vi", web_only) != web_only
        with pytest.raises(MissingMessage, match="admin"):
            Catalogs("admin").gettext("vi", web_only)
        with pytest.raises(MissingMessage):
            Catalogs("admin").get("en").gettext(web_only)

    def test_an_error_is_worded_in_its_own_modules_domain(self) -> None:
        assert UnknownPeriod(code="1999").domain == "messages"
        assert UnknownPeriod(code="1999").both() == (
            "Không có đợt khảo sát nào mang mã 1999. / There is no period with the code 1999."
        )

        class Worded(NotFound):  # words nothing of its own: its parent's words and domain
            pass

        assert Worded().domain == domain_of(BadInput.__module__) == "messages"


# --- Questionnaire labels: both languages, enforced by the loader itself.


def builtin_questionnaires() -> list[str]:
    folder = resources.files("survey_flows.questionnaires")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml"))


def label_places(node: Any, place: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        if set(node) >= {"vi", "en"} or (set(node) & {"vi", "en"} and set(node) <= {"vi", "en"}):
            yield place
            return
        for key, value in node.items():
            yield from label_places(value, (*place, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from label_places(value, (*place, index))


def at(node: Any, place: tuple[Any, ...]) -> Any:
    for key in place:
        node = node[key]
    return node


class TestQuestionnaireLabels:
    @pytest.mark.parametrize("name", builtin_questionnaires())
    def test_every_label_has_vietnamese_and_english(self, name: str) -> None:
        text = resources.files("survey_flows.questionnaires").joinpath(name).read_text("utf-8")
        data = yaml.safe_load(text)
        parse_questionnaire(data)
        places = list(label_places(data))
        assert len(places) > 20, "labels not found: the walk above no longer fits the format"
        for place in places:
            label = at(data, place)
            assert label.get("vi") and label.get("en"), place
            assert looks_vietnamese(label["vi"], label["en"]), place

    @pytest.mark.parametrize("name", builtin_questionnaires())
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_the_loader_refuses_a_label_without_a_language(self, name: str, language: str) -> None:
        text = resources.files("survey_flows.questionnaires").joinpath(name).read_text("utf-8")
        data = yaml.safe_load(text)
        for place in label_places(data):
            broken = copy.deepcopy(data)
            del at(broken, place)[language]
            with pytest.raises(QuestionnaireError) as refused:
                parse_questionnaire(broken)
            assert any(p.place.endswith(language) for p in refused.value.problems), place
