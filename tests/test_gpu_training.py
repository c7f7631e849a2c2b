"""The GPU training call, run end to end on the CPU on a tiny data set written for the tests: the data
archive that travels (and the size limit of a device call), scripts/train_gpu_v2.sh with its four
runs, and the readers it packs for the trip back, unpacked and answering."""

import json
import os
import subprocess
import sys
from pathlib import Path

from qa.reader import MODEL_DIR, Reader
from tests.conftest import STORY_PARAGRAPHS as PARAGRAPHS

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [  # (paragraph, question, answer or "" when the paragraph does not say)
    (0, "When did the Harbour Museum open?", "1987"),
    (0, "What was the building before?", "a former grain warehouse"),
    (1, "Who founded the museum?", "Ines Calder"),
    (1, "What did the founder donate?", "her collection of ship models"),
    (2, "What did the museum buy in 2019?", "a steam tug"),
    (2, "Who restored the tug?", "Volunteers"),
    (3, "Who is the mayor of Valmora?", "Tomas Brevik"),
    (3, "Where did Holt fly?", "Oslo"),
    (4, "When is entry free?", "Sundays"),
    (4, "What does the café serve?", "fish soup"),
    (2, "Who built the tug?", ""),
    (4, "How much is a ticket on Mondays?", ""),
]


def _squad_folder(folder: Path) -> Path:
    """The story as a SQuAD file: train and dev articles, splits.json and SHA256SUMS."""
    import hashlib

    def article(title, rows):
        paragraphs = {}
        for i, (p, question, answer) in enumerate(rows):
            context = PARAGRAPHS[p]
            answers = [{"text": answer, "answer_start": context.index(answer)}] if answer else []
            qa = {"id": f"{title}-{i}", "question": question, "answers": answers, "is_impossible": not answer}
            paragraphs.setdefault(context, []).append(qa)
        return {"title": title, "paragraphs": [{"context": c, "qas": q} for c, q in paragraphs.items()]}

    folder.mkdir()
    data = {"data": [article("Valmora", QUESTIONS), article("Valmora_dev", QUESTIONS[::3])]}
    (folder / "story.json").write_text(json.dumps(data))
    splits = {"train": {"story.json": ["Valmora"]}, "dev": {"story.json": ["Valmora_dev"]}, "test": {}}
    (folder / "splits.json").write_text(json.dumps(splits))
    sums = [f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}" for n in ("splits.json", "story.json")]
    (folder / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return folder


def test_the_gpu_training_call_runs_end_to_end_and_its_readers_come_back(tmp_path):
    squad = _squad_folder(tmp_path / "squad")
    archive = tmp_path / "carry" / "squad-train.tar.xz"
    pack = [sys.executable, "scripts/squad_payload.py", "pack", str(squad), str(archive)]
    packed = subprocess.run(pack, cwd=ROOT, capture_output=True, text=True)
    assert packed.returncode == 0, packed.stderr  # the tree and the archive fit one device call
    assert "of 64" in packed.stdout

    out = tmp_path / "out"
    settings = {"PY": sys.executable, "DEVICE": "cpu", "BUDGET": "70", "RESERVE": "66", "BATCH": "4", "RUNS": str(tmp_path / "runs")}
    env = os.environ | settings
    run = subprocess.run(["bash", "scripts/train_gpu_v2.sh", str(archive), str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    summary = (out / "summary.txt").read_text()
    assert "best: " in summary and summary.count(": exit 0;") == 4
    # every run's threshold refuses no more answerable dev questions than the shipped reader does
    shipped_refused = json.loads((MODEL_DIR / "calibration.json").read_text())["refused"]
    assert f"threshold cap: {shipped_refused!r} %" in summary
    files = sorted(f.name for f in out.iterdir())
    assert len(files) <= 8  # what a device call brings back
    ranking = (tmp_path / "runs" / "ranking").read_text().split()
    assert len(ranking) == 4

    for name in ranking[:2]:
        dest = tmp_path / "back" / name
        unpack = [sys.executable, "scripts/reader_transfer.py", "unpack", str(out), name, str(MODEL_DIR), str(dest)]
        subprocess.run(unpack, cwd=ROOT, check=True)
        reader = Reader.load(dest, quantize=False)
        assert reader.calibration.answerable_weight == 4.0 and reader.calibration.max_refused == shipped_refused
        assert reader.read("Who is the mayor of Valmora?", [PARAGRAPHS[3]], threshold=0).best.text == "Tomas Brevik"
