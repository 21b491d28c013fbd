"""The repository documents itself: every docs/ reference in the code names a file that
exists and, for docs/methods.md, a section heading in it; nothing cites the founding notes
outside the repository."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for folder in ("analytics", "models", "gui", "bench", "tests") for p in
           (ROOT / folder).rglob("*.py")] + [ROOT / "main.py"]
CITATION = re.compile(r'docs/methods\.md,\s+"([^"]+)"', re.MULTILINE)


def headings(path: Path) -> list[str]:
    return [line.lstrip("#").strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")]


def test_methods_citations_name_a_section():
    sections = headings(ROOT / "docs" / "methods.md")
    wrong = []
    for path in SOURCES:
        text = " ".join(path.read_text(encoding="utf-8").split())
        for cited in CITATION.findall(text):
            if not any(section.startswith(cited) for section in sections):
                wrong.append(f"{path.relative_to(ROOT)}: {cited!r}")
    assert not wrong, "citations of docs/methods.md without such a section:\n" + "\n".join(wrong)


def test_docs_references_exist_and_no_founding_notes():
    missing, founding = [], []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for name in set(re.findall(r"docs/([\w.-]+\.md)", text)):
            if not (ROOT / "docs" / name).exists():
                missing.append(f"{path.relative_to(ROOT)}: docs/{name}")
        if re.search(r"\bMETHODS\b|DESIGN\.md|STYLE\.md", text) and path.name != "test_docs.py":
            founding.append(str(path.relative_to(ROOT)))
    assert not missing and not founding, (missing, founding)
