"""How training windows are made and labelled (answer spans, [CLS] for no answer, negatives, guessed
starts), the loss over candidate spans, and a real training run that resumes and ends calibrated."""

import json
import random
from dataclasses import replace

import numpy as np
import pytest

from qa.reader import MODEL_DIR
from qa.training.squad import Example
from qa.training.train import NULL, TrainConfig, collate_items, lr_factor, span_loss, training_items
from qa.training.train_data import TrainingWindows, answer_removed_negatives, other_paragraph_negatives, prepare_windows
from qa.windows import collate, make_windows

TOKENIZER = MODEL_DIR / "tokenizer.json"
MUSEUM = "The Harbour Museum of Valmora opened in 1987 in a former grain warehouse."
TUG = "In 2019 the museum bought a steam tug called the Little Wren for 40,000 euros."
FERRY = "The ferry goes to Skarn at dawn. In winter the ferry goes to Skarn twice a week."
EXAMPLES = [
    Example("q1", "Valmora", "When did the Harbour Museum open?", MUSEUM, ("1987",), (MUSEUM.index("1987"),)),
    Example("q2", "Valmora", "What did the museum buy in 2019?", TUG, ("a steam tug",), (TUG.index("a steam tug"),)),
    Example("q3", "Valmora", "Who designed the warehouse?", MUSEUM, (), ()),
    Example("q4", "Skarn", "Where does the ferry go?", "The ferry goes to Skarn.", ("Skarn",), (18,)),
]
# "Skarn" stands twice; the data guessed the second place, and lists both as candidates
SECOND = FERRY.rindex("Skarn")
AMBIGUOUS = Example("q5", "Skarn", "Where does the ferry go in winter?", FERRY, ("Skarn",), (SECOND,), (FERRY.index("Skarn"), SECOND))


@pytest.fixture(scope="module")
def windows() -> TrainingWindows:
    return prepare_windows([*EXAMPLES, AMBIGUOUS], TOKENIZER, other_paragraph=1.0, answer_removed=0.0, workers=1)


def _texts(tw: TrainingWindows, item, examples) -> list[str]:
    """The context text each of an item's spans covers ("" for [CLS])."""
    ex = examples[tw.example[item.window]]
    windows = make_windows(_tokenizer(), [ex.question], [ex.context])
    w = next(w for w in windows if w.input_ids == tw.ids[tw.offsets[item.window] : tw.offsets[item.window + 1]].tolist())
    return ["" if (s, e) == (0, 0) else ex.context[w.offsets[s][0] : w.offsets[e][1]] for s, e in item.spans]


def _tokenizer():
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(TOKENIZER))


def test_negatives_pair_answerable_questions_with_another_paragraph_of_their_article():
    negatives = other_paragraph_negatives(EXAMPLES, 1.0, random.Random(0))
    # q3 is already unanswerable; q4's article has a single paragraph
    assert [(n.qid, n.context) for n in negatives] == [("q1-other", TUG), ("q2-other", MUSEUM)]
    assert all(n.is_impossible for n in negatives)
    assert other_paragraph_negatives(EXAMPLES, 0.0, random.Random(0)) == []


def test_negatives_drop_the_sentences_that_hold_the_answer():
    story = f"{MUSEUM} {TUG} It is moored at the east quay."
    examples = [
        Example("t1", "Valmora", "What did the museum buy in 2019?", story, ("a steam tug",), (story.index("a steam tug"),)),
        # the answer also stands in a sentence that survives: no negative
        Example("t2", "Valmora", "Where is it moored?", story + " The east quay is old.", ("east quay",), (story.index("east quay"),)),
        EXAMPLES[2],  # already unanswerable
    ]
    negatives = answer_removed_negatives(examples, 1.0, random.Random(0))
    assert [(n.qid, n.context) for n in negatives] == [("t1-removed", f"{MUSEUM} It is moored at the east quay.")]
    assert negatives[0].is_impossible
    assert answer_removed_negatives(examples, 0.0, random.Random(0)) == []


def test_windows_are_labelled_with_the_answer_or_cls(windows, tmp_path):
    examples = [*EXAMPLES, AMBIGUOUS, *other_paragraph_negatives([*EXAMPLES, AMBIGUOUS], 1.0, random.Random(13))]
    cfg = TrainConfig(out_dir=tmp_path, unanswerable_repeat=3, other_paragraph=1.0)
    items = training_items(windows, cfg, random.Random(0))
    answers = [x for x in items if x.spans != NULL]
    # q3 three times; one negative each for q1, q2 and q5 (q4's and q5's article has two paragraphs now)
    assert len(answers) == 4 and len(items) == 4 + 3 + 4
    for x in answers:
        assert _texts(windows, x, examples) == [examples[windows.example[x.window]].answers[0]]


def test_a_guessed_start_is_kept_accepted_anywhere_or_dropped(windows, tmp_path):
    w = next(w for w in range(len(windows)) if windows.ambiguous[windows.example[w]])
    rows = {}
    for policy in ("keep", "any", "drop"):
        items = training_items(windows, TrainConfig(out_dir=tmp_path, ambiguous=policy), random.Random(0))
        rows[policy] = [x for x in items if x.window == w]
    (keep,) = rows["keep"]
    (anywhere,) = rows["any"]
    assert rows["drop"] == []
    assert len(anywhere.spans) == 2
    assert keep.spans == (max(anywhere.spans),)  # the data's own (guessed) start: the second "Skarn"
    assert _texts(windows, anywhere, [*EXAMPLES, AMBIGUOUS]) == ["Skarn", "Skarn"]
    with pytest.raises(ValueError, match="ambiguous must be one of"):
        training_items(windows, TrainConfig(out_dir=tmp_path, ambiguous="maybe"), random.Random(0))
    with pytest.raises(ValueError, match="more negatives than the windows were prepared with"):
        training_items(windows, TrainConfig(out_dir=tmp_path, answer_removed=0.5), random.Random(0))


def test_batches_are_the_windows_the_reader_reads(windows, tmp_path):
    items = training_items(windows, TrainConfig(out_dir=tmp_path, ambiguous="any"), random.Random(0))
    batch = collate_items(windows, items)
    examples = [*EXAMPLES, AMBIGUOUS]
    read = []
    for x in items:  # the same windows, as qa.windows makes them at answer time
        ex = examples[windows.example[x.window]]
        ids = windows.ids[windows.offsets[x.window] : windows.offsets[x.window + 1]].tolist()
        read.append(next(w for w in make_windows(_tokenizer(), [ex.question], [ex.context]) if w.input_ids == ids))
    for name, expected in zip(("input_ids", "token_type_ids", "attention_mask"), collate(read), strict=True):
        np.testing.assert_array_equal(batch[name], expected)
    assert batch["span_mask"].sum(axis=1).tolist() == [len(x.spans) for x in items]


def test_prepared_windows_survive_a_round_trip_without_pickle(windows, tmp_path):
    windows.save(tmp_path / "w.npz")
    again = TrainingWindows.load(tmp_path / "w.npz")
    assert again.meta == windows.meta
    for name in ("ids", "offsets", "example", "span_start", "span_chosen", "kind", "ambiguous"):
        np.testing.assert_array_equal(getattr(again, name), getattr(windows, name))


def test_the_loss_of_one_span_is_berts_and_more_candidates_never_cost_more(windows, tmp_path):
    import torch
    from transformers import AutoModelForQuestionAnswering

    model = AutoModelForQuestionAnswering.from_pretrained(MODEL_DIR, dtype=torch.float32, local_files_only=True).eval()
    items = training_items(windows, TrainConfig(out_dir=tmp_path, ambiguous="any"), random.Random(0))
    (two,) = [x for x in items if len(x.spans) == 2]
    one = replace(two, spans=two.spans[1:])
    batch = {k: torch.from_numpy(v) for k, v in collate_items(windows, [one]).items()}  # one window: no padding
    with torch.no_grad():
        out = model(
            input_ids=batch["input_ids"],
            token_type_ids=batch["token_type_ids"],
            attention_mask=batch["attention_mask"],
            start_positions=batch["span_start"][:, 0],
            end_positions=batch["span_end"][:, 0],
        )
        assert float(span_loss(out.start_logits, out.end_logits, batch)) == pytest.approx(float(out.loss), rel=1e-5)
        both = {k: torch.from_numpy(v) for k, v in collate_items(windows, [two]).items()}
        assert float(span_loss(out.start_logits, out.end_logits, both)) < float(out.loss)


def test_the_schedule_warms_up_then_decays_to_zero():
    assert lr_factor(0.0, 0.1, 0.01) == pytest.approx(0.1)
    assert lr_factor(0.1, 0.1, 0.01) == pytest.approx(1.0)
    assert lr_factor(0.55, 0.1, 0.01) == pytest.approx(0.5)
    assert lr_factor(1.0, 0.1, 0.01) == 0.0


def _squad_dir(folder, train: list[Example], dev: list[Example]):
    """A SQuAD-format file and splits.json holding `train` and `dev` as two articles."""

    def article(title, examples):
        paragraphs = {}
        for ex in examples:
            qa = {"id": ex.qid, "question": ex.question, "is_impossible": ex.is_impossible}
            qa["answers"] = [{"text": a, "answer_start": s} for a, s in zip(ex.answers, ex.answer_starts, strict=True)]
            paragraphs.setdefault(ex.context, []).append(qa)
        return {"title": title, "paragraphs": [{"context": c, "qas": q} for c, q in paragraphs.items()]}

    (folder / "set.json").write_text(json.dumps({"data": [article("T", train), article("D", dev)]}))
    (folder / "splits.json").write_text(json.dumps({"train": {"set.json": ["T"]}, "dev": {"set.json": ["D"]}, "test": {}}))
    return folder


def test_training_resumes_from_its_checkpoint_and_ends_calibrated(tmp_path, caplog):
    from qa.reader import Reader
    from qa.training.train import train

    data = _squad_dir(tmp_path, EXAMPLES[:3], [EXAMPLES[3], replace(EXAMPLES[2], qid="d2")])
    cfg = TrainConfig(
        out_dir=tmp_path / "run", data_dir=data, init_from=MODEL_DIR, max_steps=2, batch_size=2, checkpoint_every=1, device="cpu"
    )
    train(cfg)
    cfg.max_steps = 3
    with caplog.at_level("INFO", logger="qa.training.train"):
        final = train(cfg)
    assert "resuming from step 2" in caplog.text
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 3
    metrics = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics if "dev_f1" in m] == [2, 3]
    reader = Reader.load(final)
    assert 0 < reader.calibration.threshold <= 1 + 1e-6
    assert reader.calibration.answerable_weight == 4.0
    assert reader.read("Where does the ferry go?", [EXAMPLES[3].context], threshold=0).best.text == "Skarn"


def test_a_bf16_run_with_a_time_limit_ends_on_the_clock_from_prepared_windows_keeping_fp32_weights(windows, tmp_path):
    from safetensors.numpy import load_file

    from qa.training.train import train

    data = _squad_dir(tmp_path, EXAMPLES[:3], [EXAMPLES[3]])
    windows.save(tmp_path / "w.npz")
    cfg = TrainConfig(
        out_dir=tmp_path / "run",
        data_dir=data,
        windows=tmp_path / "w.npz",
        init_from=MODEL_DIR,
        max_steps=10_000,
        time_limit=2.0,
        batch_size=2,
        ambiguous="any",
        other_paragraph=0.5,
        eval_every=0,
        device="cpu",
        bf16=True,
    )
    assert (train(cfg) / "model.safetensors").exists()
    # autocast computes in bf16 but the weights it trains stay fp32
    weights = load_file(tmp_path / "run" / "checkpoint" / "model.safetensors")
    assert {w.dtype for w in weights.values()} == {np.dtype(np.float32)}
    last = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[-1])
    assert 0 < last["step"] < 10_000 and last["elapsed"] >= 2.0
    assert {"dev_f1", "dev_weighted_f1", "dev_refused"} <= last.keys()
