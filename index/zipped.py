"""The parts of an Office file (Word, PowerPoint: a zip of XML parts), read safely: a damaged file, one
without its main part, or one that would expand past a sane size (a zip bomb) is refused by name, and
the XML is parsed without entities or network access."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable

from index.errors import DocumentError

MAX_UNZIPPED_BYTES = 200 * 2**20


def office_parts(data: bytes, name: str, kind: str, main: str, wanted: Callable[[str], bool]) -> dict:
    """The parsed XML (lxml elements) of the `kind` file's parts whose names `wanted` accepts, by name;
    `main` must be among them."""
    from lxml import etree

    suffix = {"Word": ".docx", "PowerPoint": ".pptx"}.get(kind, "")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if main not in {m.filename for m in members}:
                raise DocumentError(f"{name}: not a {kind} document (no {main} inside)")
            unzipped = sum(m.file_size for m in members)
            if unzipped > MAX_UNZIPPED_BYTES:
                raise DocumentError(f"{name}: expands to {unzipped:,} bytes, over the {MAX_UNZIPPED_BYTES:,}-byte limit")
            raw = {m.filename: archive.read(m) for m in members if wanted(m.filename)}
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        return {part: etree.fromstring(xml, parser) for part, xml in raw.items()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, KeyError, OSError, EOFError):
        raise DocumentError(f"{name}: not a {kind} ({suffix}) file, or a damaged one") from None
    except etree.XMLSyntaxError as err:
        raise DocumentError(f"{name}: a damaged {kind} document ({err})") from None
