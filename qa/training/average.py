"""Average the weights of readers trained from one another (checkpoint averaging, a "model soup"):
the mean of two points of one training path often reads better than either end."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from functools import reduce
from pathlib import Path

import numpy as np

WEIGHTS = "model.safetensors"


def average_readers(folders: Sequence[Path], out: Path) -> Path:
    """Write into `out` the first folder's files with every tensor the mean (in fp32, stored in the
    first folder's dtype) of that tensor across all folders; the calibration is the first's until
    `docqa reader calibrate` fits one for the mean."""
    from safetensors.numpy import load_file, save_file

    if len(folders) < 2:
        raise ValueError("averaging needs at least two reader folders")
    out = Path(out)
    if out.resolve() in {Path(f).resolve() for f in folders}:
        raise ValueError(f"{out} is one of the folders averaged; write the mean elsewhere")
    missing = [str(f) for f in folders if not (Path(f) / WEIGHTS).is_file()]
    if missing:
        raise ValueError(f"no reader weights ({WEIGHTS}) in {', '.join(missing)}")
    states = [load_file(Path(f) / WEIGHTS) for f in folders]
    names = set(states[0])
    for folder, state in zip(folders[1:], states[1:], strict=True):
        if set(state) != names or any(state[k].shape != states[0][k].shape for k in names):
            raise ValueError(f"{folder} is not the same model as {folders[0]}: its tensors differ")
    # summed from the first tensor: sum() and np.mean start from 0, and 0 + -0.0 is +0.0, so a tensor equal in
    # every reader (the frozen word embeddings) would not come out byte for byte the same
    mean = {k: (reduce(np.add, (s[k].astype(np.float32) for s in states)) / len(states)).astype(states[0][k].dtype) for k in sorted(names)}
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(folders[0], out)
    save_file(mean, str(out / WEIGHTS))
    return out
