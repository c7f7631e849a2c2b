"""Text from a Word (.docx) file: paragraphs and headings in document order, tables row by row, refusing
a file that would expand past a sane size (a zip bomb)."""

from __future__ import annotations

import io
import zipfile

from index.errors import DocumentError
from index.tables import table_rows

MAX_UNZIPPED_BYTES = 200 * 2**20


def docx_text(data: bytes, name: str) -> tuple[str, tuple[int, ...]]:
    """(text, ()) of a .docx: blocks separated by blank lines; DocumentError for a damaged file."""
    import docx
    from docx.table import Table

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if "word/document.xml" not in {m.filename for m in members}:
                raise DocumentError(f"{name}: not a Word document (no word/document.xml inside)")
            unzipped = sum(m.file_size for m in members)
    except zipfile.BadZipFile:
        raise DocumentError(f"{name}: not a Word (.docx) file, or a damaged one") from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise DocumentError(f"{name}: expands to {unzipped:,} bytes, over the {MAX_UNZIPPED_BYTES:,}-byte limit")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as err:  # python-docx raises lxml, zip and key errors alike on a damaged file
        raise DocumentError(f"{name}: a damaged Word document ({type(err).__name__})") from None
    blocks = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            blocks.extend(table_rows([_cells(row) for row in block.rows]))
        elif block.text.strip():
            blocks.append(" ".join(block.text.split()))
    return "\n\n".join(blocks), ()


def _cells(row) -> list[str]:
    """The texts of a table row's cells; a merged cell, which python-docx repeats, once."""
    texts: list[str] = []
    seen = set()
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            texts.append(" ".join(cell.text.split()))
    return texts
