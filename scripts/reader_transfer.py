"""Bring trained readers back from the device machine, whose returned files are capped (8 files of
at most 16 MiB each): keep only the tensors that differ from the reader the run started from (its
word embeddings stay frozen, so they are 12M of the 22.7M parameters), in parts of at most 15 MiB.

    python scripts/reader_transfer.py pack RUN_FINAL INIT OUT NAME     # on the device machine
    python scripts/reader_transfer.py unpack FOLDER NAME INIT DEST     # here: a complete reader folder

pack writes OUT/NAME.json (the parts, their SHA-256, the calibration) and OUT/NAME.N parts; unpack
checks every part, restores the omitted tensors from INIT and writes model.safetensors, config,
calibration and INIT's tokenizer into DEST. Only numpy and safetensors are needed.
"""

import hashlib
import json
import shutil
import sys
from pathlib import Path

from safetensors.numpy import load, load_file, save, save_file

PART_BYTES = 15 * 2**20
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def pack(final: Path, init: Path, out: Path, name: str) -> None:
    tensors, base = load_file(str(final / "model.safetensors")), load_file(str(init / "model.safetensors"))
    kept = {k: v for k, v in tensors.items() if k not in base or not _identical(v, base[k])}
    blob = save(kept)
    out.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(0, len(blob), PART_BYTES):
        part = out / f"{name}.{i // PART_BYTES}"
        part.write_bytes(blob[i : i + PART_BYTES])
        parts.append({"file": part.name, "sha256": hashlib.sha256(blob[i : i + PART_BYTES]).hexdigest()})
    manifest = {
        "parts": parts,
        "sha256": hashlib.sha256(blob).hexdigest(),
        "omitted": sorted(set(tensors) - set(kept)),
        "omitted_sha256": {k: hashlib.sha256(tensors[k].tobytes()).hexdigest() for k in sorted(set(tensors) - set(kept))},
        "calibration": json.loads((final / "calibration.json").read_text()),
        "config": json.loads((final / "config.json").read_text()),
    }
    (out / f"{name}.json").write_text(json.dumps(manifest, indent=1))
    print(f"{name}: {len(kept)} of {len(tensors)} tensors, {len(blob) / 2**20:.1f} MiB in {len(parts)} parts")


def _identical(a, b) -> bool:
    """Same dtype, shape and bytes (np.array_equal takes -0.0 for 0.0): unpack checks what pack leaves
    out by SHA-256 and restores it in the starting reader's shape."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def unpack(folder: Path, name: str, init: Path, dest: Path) -> None:
    manifest = json.loads((folder / f"{name}.json").read_text())
    blob = b""
    for part in manifest["parts"]:
        data = (folder / part["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != part["sha256"]:
            sys.exit(f"{part['file']} is damaged (SHA-256 differs)")
        blob += data
    if hashlib.sha256(blob).hexdigest() != manifest["sha256"]:
        sys.exit(f"{name}: the joined parts differ from what was packed")
    tensors = load(blob)
    base = load_file(str(init / "model.safetensors"))
    for key in manifest["omitted"]:
        if hashlib.sha256(base[key].tobytes()).hexdigest() != manifest["omitted_sha256"][key]:
            sys.exit(f"{init} is not the reader the run started from ({key} differs)")
        tensors[key] = base[key]
    dest.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(dest / "model.safetensors"))
    for file in TOKENIZER_FILES:
        shutil.copy(init / file, dest / file)
    (dest / "config.json").write_text(json.dumps(manifest["config"], indent=2))
    (dest / "calibration.json").write_text(json.dumps(manifest["calibration"], indent=1))
    print(f"{name}: {len(tensors)} tensors in {dest}")


if __name__ == "__main__":
    if len(sys.argv) != 6 or sys.argv[1] not in ("pack", "unpack"):
        sys.exit(__doc__)
    verb, *paths = sys.argv[1:]
    if verb == "pack":
        pack(Path(paths[0]), Path(paths[1]), Path(paths[2]), paths[3])
    else:
        unpack(Path(paths[0]), paths[1], Path(paths[2]), Path(paths[3]))
