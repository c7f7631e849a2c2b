"""The shipped reader, loaded for real, on small texts written for the tests."""

import threading

import pytest

from qa.reader import MODEL_DIR, Reader, snap_to_words
from qa.windows import Window, length_batches
from tests.conftest import STORY


def test_shipped_weights_are_small_and_calibrated():
    assert (MODEL_DIR / "model.safetensors").stat().st_size <= 60 * 1024 * 1024
    assert (MODEL_DIR / "calibration.json").exists()
    assert (MODEL_DIR / "MODEL_CARD.md").exists()


def test_answers_with_offsets_into_the_passage(reader):
    # at answer()'s operating point; the dev-F1-optimal threshold is tuned for adversarial no-answer questions
    reading = reader.read("Who founded the Harbour Museum?", [STORY], threshold=0.5)
    best = reading.best
    assert best is not None and "Ines Calder" in best.text
    assert STORY[best.start : best.end] == best.text
    assert 0.0 < best.score <= 1.0


def test_best_answer_over_several_passages_wins(reader):
    passages = [
        "Entry to the museum is free on Sundays.",
        "In 2019 the museum bought a steam tug called the Little Wren for 40,000 euros.",
        "The café on the top floor serves fish soup.",
    ]
    best = reader.read("How much did the museum pay for the steam tug?", passages, threshold=0.5).best
    assert best is not None and best.passage == 1 and "40,000" in best.text


def test_says_no_answer_when_the_text_does_not_say(reader):
    reading = reader.read("What is the population of Valmora?", [STORY])
    assert reading.best is None
    assert reading.p_answer < reader.calibration.threshold


def test_long_passage_is_read_in_windows(reader):
    filler = " ".join(f"Paragraph filler sentence {i} mentions nothing of interest." for i in range(120))
    text = filler + " The lighthouse keeper was called Morag Dunn. " + filler
    best = reader.read("What was the lighthouse keeper called?", [text]).best
    assert best is not None and "Morag Dunn" in best.text
    assert text[best.start : best.end] == best.text


def test_windows_of_unlike_length_run_in_separate_batches():
    def window(tokens: int) -> Window:
        return Window(0, [101] * tokens, [0] * tokens, [None] * tokens)

    lengths = [100, 146, 256, 256, 120, 97]
    batches = length_batches([window(n) for n in lengths])
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert batches == [[2, 3], [1], [4], [0, 5]]  # 100 and 97 pad 3%, 120 and 100 would pad 17%
    for batch in batches:
        width, real = max(lengths[i] for i in batch), sum(lengths[i] for i in batch)
        assert width * len(batch) - real <= 0.05 * width * len(batch)


def test_a_passage_scores_the_same_beside_a_much_shorter_one(reader):
    # windows of unlike length run apart, so the int8 activations of one are not scaled by the other's
    alone = reader.read("Who founded the Harbour Museum?", [STORY], threshold=0).best
    beside = reader.read("Who founded the Harbour Museum?", [STORY, "The ferry leaves at noon."], threshold=0).best
    assert (beside.passage, beside.text) == (0, alone.text)
    assert beside.logit == pytest.approx(alone.logit, abs=1e-9)


def test_spans_snap_to_whole_words():
    text = "Deshchitsya met nobody."
    assert snap_to_words(text, 3, 8) == (0, 11)
    assert snap_to_words(text, 0, 11) == (0, 11)
    item = "\u2022 On-line structure management"
    assert snap_to_words(item, 0, 9) == (2, 9)  # a list item's bullet is no part of an answer
    assert snap_to_words(item, 0, 1) == (1, 1)


def test_same_answer_in_two_passages_is_merged(reader):
    passages = ["The capital of Freedonia is Luxor City.", "Luxor City is the capital of Freedonia."]
    spans = reader.read("What is the capital of Freedonia?", passages).spans
    texts = [s.text.lower() for s in spans]
    assert len(texts) == len(set(texts))


def test_concurrent_reads_agree(reader):
    expected = reader.read("Who founded the Harbour Museum?", [STORY], threshold=0).best.text
    results, errors = [], []

    def work():
        try:
            results.append(reader.read("Who founded the Harbour Museum?", [STORY], threshold=0).best.text)
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == [expected] * 6


def test_load_refuses_a_folder_without_weights(tmp_path):
    with pytest.raises(FileNotFoundError, match="no reader weights"):
        Reader.load(tmp_path)


def test_int8_reader_agrees_with_fp32(reader):
    """answer() runs the encoder in int8; the fp32 export of the same weights finds the same answers."""
    fp32 = Reader.load(quantize=False)
    assert "MatMulInteger" in _op_types(reader) and "MatMulInteger" not in _op_types(fp32)
    for question in ["Who founded the Harbour Museum?", "When did the Harbour Museum open?"]:
        a, b = fp32.read(question, [STORY]), reader.read(question, [STORY])
        assert a.spans[0].text == b.spans[0].text
        assert abs(a.p_answer - b.p_answer) < 0.1


def test_a_cached_export_that_does_not_load_is_made_again(reader):
    """The ONNX file under $DOCQA_HOME is a cache: cut short or overwritten, it is exported anew."""
    fp32 = Reader.load(quantize=False)
    fp32.spans.path.write_bytes(b"not an onnx model")
    again = Reader.load(quantize=False)
    assert again.spans.path == fp32.spans.path and again.spans.path.stat().st_size > 50_000_000
    assert again.read("When did the Harbour Museum open?", [STORY]).best.text == "1987"


def test_new_weights_get_a_new_export_that_replaces_the_old(tmp_path):
    import os
    import shutil

    folder = shutil.copytree(MODEL_DIR, tmp_path / "reader")
    first = Reader.load(folder, quantize=False).spans.path
    weights = folder / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))  # as a retrain would
    second = Reader.load(folder, quantize=False)
    assert second.spans.path != first and second.spans.path.exists() and not first.exists()
    assert second.read("When did the Harbour Museum open?", [STORY]).best.text == "1987"


def _op_types(reader: Reader) -> set[str]:
    import onnx

    return {node.op_type for node in onnx.load(str(reader.spans.path)).graph.node}


def test_passage_priors_decide_between_two_answers(reader):
    """A prior added to one passage's spans makes its answer win, in either order."""
    passages = ["The ferry to Skarn leaves at 7 o'clock.", "The ferry to Skarn leaves at 9 o'clock."]
    for favoured in (0, 1):
        priors = [5.0 if i == favoured else 0.0 for i in range(2)]
        best = reader.read("When does the ferry to Skarn leave?", passages, threshold=0, priors=priors).best
        assert best is not None and best.passage == favoured


def test_reader_precision_setting_is_checked(monkeypatch):
    import qa.reader

    monkeypatch.setattr(qa.reader, "_shared", None)
    monkeypatch.setenv("DOCQA_READER", "fp16")
    with pytest.raises(ValueError, match="int8 or fp32"):
        qa.reader.shared_reader()


def test_answer_can_use_a_reader_folder_of_your_own(monkeypatch, tmp_path):
    """`$DOCQA_READER_DIR` names the reader answer() loads; a folder that is not a calibrated reader is refused."""
    import json
    import shutil

    import qa.reader

    monkeypatch.setattr(qa.reader, "_shared", None)
    monkeypatch.setenv("DOCQA_READER_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="not a calibrated reader folder"):
        qa.reader.shared_reader()

    own = tmp_path / "own-reader"
    shutil.copytree(qa.reader.MODEL_DIR, own)
    calibration = json.loads((own / "calibration.json").read_text()) | {"threshold": 0.9}
    (own / "calibration.json").write_text(json.dumps(calibration))
    monkeypatch.setenv("DOCQA_READER_DIR", str(own))
    reader = qa.reader.shared_reader()
    assert reader.calibration.threshold == 0.9
    assert reader.read("Who founded the mill?", ["The mill was founded by Ada Lusk in 1901."], threshold=0).best.text == "Ada Lusk"
