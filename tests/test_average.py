"""`docqa reader average`: the mean of readers' weights, on copies of the real shipped reader."""

import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from qa.reader import MODEL_DIR, Reader
from qa.training.average import WEIGHTS, average_readers
from tests.conftest import STORY_PARAGRAPHS

PARAGRAPH = STORY_PARAGRAPHS[3]


def test_the_average_is_the_mean_of_each_tensor_and_still_reads(tmp_path):
    shifted = tmp_path / "shifted"
    shutil.copytree(MODEL_DIR, shifted)
    state = load_file(shifted / WEIGHTS)
    # the same shift on every start and end logit: the mean shifts by half and reads the same spans
    state["qa_outputs.bias"] = (state["qa_outputs.bias"].astype(np.float32) + 2).astype(state["qa_outputs.bias"].dtype)
    save_file(state, str(shifted / WEIGHTS))

    out = average_readers([MODEL_DIR, shifted], tmp_path / "mean")
    shipped, mean = load_file(MODEL_DIR / WEIGHTS), load_file(out / WEIGHTS)
    assert set(mean) == set(shipped)
    assert np.allclose(mean["qa_outputs.bias"].astype(np.float32), shipped["qa_outputs.bias"].astype(np.float32) + 1, atol=1e-2)
    # byte for byte, -0.0 included: a GPU run's transfer leaves out tensors equal to the shipped reader's by their SHA-256
    assert all(mean[k].tobytes() == shipped[k].tobytes() for k in shipped if k != "qa_outputs.bias")
    assert (out / "calibration.json").read_text() == (MODEL_DIR / "calibration.json").read_text()
    reader = Reader.load(out, quantize=False)
    assert reader.read("Who is the mayor of Valmora?", [PARAGRAPH], threshold=0).best.text == "Tomas Brevik"


def test_averaging_refuses_what_it_cannot_average(tmp_path):
    with pytest.raises(ValueError, match="at least two"):
        average_readers([MODEL_DIR], tmp_path / "mean")
    with pytest.raises(ValueError, match="no reader weights"):
        average_readers([MODEL_DIR, tmp_path / "missing"], tmp_path / "mean")
    with pytest.raises(ValueError, match="one of the folders"):
        average_readers([MODEL_DIR, MODEL_DIR], MODEL_DIR)
    other = tmp_path / "other"
    other.mkdir()
    save_file({"qa_outputs.bias": np.zeros(2, dtype=np.float16)}, str(other / WEIGHTS))
    with pytest.raises(ValueError, match="not the same model"):
        average_readers([MODEL_DIR, other], tmp_path / "mean")
