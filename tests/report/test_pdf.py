from __future__ import annotations

import subprocess
from pathlib import Path

from salesorg.report import Document, write


def _pages(pdf: Path, out: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(out / "page")], check=True)
    return sorted(out.glob("page*.png"))


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_pdf_renders_to_png_pages_with_the_title(doc: Document, tmp_path: Path) -> None:
    pdf = write(doc, tmp_path / "pack.pdf")
    pages = _pages(pdf, tmp_path)
    assert len(pages) >= 1
    assert all(p.stat().st_size > 0 for p in pages)
    text = _text(pdf)
    assert "Pipeline review <Team & Co>" in text
    assert f"Page 1 of {len(pages)}" in text


def test_a_long_table_paginates_with_running_header_and_page_numbers(
    make_document, tmp_path: Path
) -> None:
    doc = make_document(n_rows=220)
    doc.sections[-1].blocks[0] = type(doc.sections[-1].blocks[0])(
        "Exceptions", doc.tables()[0].frame, money=("amount",)
    )
    pdf = write(doc, tmp_path / "long.pdf")
    pages = _pages(pdf, tmp_path)
    assert len(pages) >= 3
    text = _text(pdf)
    assert f"Page {len(pages)} of {len(pages)}" in text
    # the running header repeats the title on later pages
    assert text.count("Pipeline review <Team & Co>") >= len(pages)
    assert "O<219>" in text
