"""The SQuAD files a GPU training run needs, carried to the device machine in one compressed file.

    python scripts/squad_payload.py pack [SQUAD_DIR] [OUT]   # here: OUT (.carry/squad-train.tar.xz) and the size check
    python scripts/squad_payload.py unpack ARCHIVE DEST      # there: checks the files, prints DEST

Only the files of the train and dev parts travel (the test part's SQuAD v1.1 file does not), with
their lines of SHA256SUMS, checked on unpacking. pack also adds up what a device call sends, the
files git tracks or would track plus the archive, and fails when that is over the 64 MiB limit.
"""

import hashlib
import json
import subprocess
import sys
import tarfile
from pathlib import Path

LIMIT = 64 * 2**20
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.training.squad import ambiguous_starts_file  # noqa: E402


def needed(squad: Path) -> list[str]:
    """splits.json, the files its train and dev parts name, their ambiguous-starts files, SHA256SUMS."""
    splits = json.loads((squad / "splits.json").read_text())
    files = {name for part in ("train", "dev") for name in splits[part]}
    files |= {f.name for f in (ambiguous_starts_file(squad / name) for name in files) if f.exists()}
    return ["splits.json", *sorted(files), "SHA256SUMS"]


def tree_bytes() -> int:
    """Bytes of the files a device call sends from this checkout: tracked, or untracked and not ignored."""
    command = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    listed = subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
    return sum((ROOT / f).stat().st_size for f in listed.stdout.decode().split("\0") if f and (ROOT / f).is_file())


def pack(squad: Path, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w:xz", preset=9) as tar:
        for name in needed(squad):
            tar.add(squad / name, arcname=name)
    tree, payload = tree_bytes(), out.stat().st_size
    print(f"{out}: {payload / 2**20:.1f} MiB; working tree {tree / 2**20:.1f} MiB; together {(tree + payload) / 2**20:.1f} MiB of 64")
    if tree + payload > LIMIT:
        sys.exit("over the device call's 64 MiB limit")


def unpack(archive: Path, dest: Path) -> None:
    with tarfile.open(archive, "r:xz") as tar:
        tar.extractall(dest, filter="data")
    sums = dict(reversed(line.split()) for line in (dest / "SHA256SUMS").read_text().splitlines() if line.strip())
    for name in needed(dest)[:-1]:
        if hashlib.sha256((dest / name).read_bytes()).hexdigest() != sums[name]:
            sys.exit(f"{name}: SHA-256 differs from SHA256SUMS")
    print(dest)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "pack" and len(sys.argv) <= 4:
        squad = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT.parent / "shared/data/squad"
        pack(squad, Path(sys.argv[3]) if len(sys.argv) > 3 else ROOT / ".carry/squad-train.tar.xz")
    elif len(sys.argv) == 4 and sys.argv[1] == "unpack":
        unpack(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(__doc__)
