"""Update the Babel catalogs of some or all domains from their sources.

    .venv/bin/python .ci/catalogs.py [DOMAIN ...] [--locales DIR]

For each domain of hailong/i18n.py DOMAIN_SOURCES: extract its msgids from exactly its source
globs (`pybabel extract`), then `pybabel update` its vi and en catalogs (`pybabel init` for a
catalog that does not exist yet). New msgids arrive untranslated: translate them, then run
`.venv/bin/python -m pytest tests/infra/test_i18n.py`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


def mapping(patterns: tuple[str, ...]) -> str:
    sections = ["[extractors]", "jinja2 = jinja2.ext:babel_extract", ""]
    for pattern in patterns:
        method = "jinja2" if pattern.endswith(".html") else "python"
        sections.append(f"[{method}: {pattern}]")
    return "\n".join(sections) + "\n"


def update(
    domain: str, patterns: tuple[str, ...], locales: Path, languages: tuple[str, ...]
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "babel.cfg"
        config.write_text(mapping(patterns), encoding="utf-8")
        template = Path(scratch) / f"{domain}.pot"
        run(
            "extract",
            "-F",
            str(config),
            "-k",
            "N_",
            "--project",
            "hailong",
            "--add-comments",
            "TRANSLATORS:",
            "-o",
            str(template),
            ".",
        )
        for language in languages:
            po = locales / language / "LC_MESSAGES" / f"{domain}.po"
            action = "update" if po.exists() else "init"
            extra = ["--ignore-obsolete"] if action == "update" else []
            run(
                action,
                "-i",
                str(template),
                "-d",
                str(locales),
                "-D",
                domain,
                "-l",
                language,
                *extra,
            )


def run(*args: str) -> None:
    subprocess.run([PYBABEL, "-q", *args], cwd=ROOT, check=True)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from hailong.i18n import DOMAIN_SOURCES, LANGUAGES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domains", nargs="*", metavar="DOMAIN", help=", ".join(DOMAIN_SOURCES))
    parser.add_argument("--locales", type=Path, default=ROOT / "hailong" / "locales")
    arguments = parser.parse_args()
    unknown = set(arguments.domains) - set(DOMAIN_SOURCES)
    if unknown:
        parser.error(f"unknown domains: {sorted(unknown)}")
    for domain in arguments.domains or DOMAIN_SOURCES:
        update(domain, DOMAIN_SOURCES[domain], arguments.locales, LANGUAGES)
        print(f"{domain}: updated")


if __name__ == "__main__":
    main()
