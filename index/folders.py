"""A folder as a collection: the files under it that docqa reads, each named by its path inside the
folder ("reports/2024/q1.pdf", so two README.md files do not clash), and the files of other types it
leaves out. Hidden files and folders (".git") are not looked into.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from index.formats import SUFFIXES


@dataclass(frozen=True)
class FolderFiles:
    """What a folder holds for docqa: (path, document name) of each file it reads, in name order, and
    the files of other types under it."""

    files: list[tuple[Path, str]]
    skipped: list[Path]


def files_in(folder: Path) -> FolderFiles:
    """The files under `folder`, at any depth; symbolic links to folders are not followed."""
    files, skipped = [], []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(n for n in names if not n.startswith(".")):
            path = Path(root) / name
            if path.suffix.lower() in SUFFIXES:
                files.append((path, path.relative_to(folder).as_posix()))
            else:
                skipped.append(path)
    return FolderFiles(files, skipped)
