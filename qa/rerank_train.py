"""Train the passage reranker: a cross-encoder that scores (question, passage) for "holds the answer".

Mining runs the real first stage: each article of a part is indexed as one document (as the end-to-end
evaluation does) and every answerable question keeps the passage holding its answer as the positive
and the retriever's other top passages as hard negatives. Training starts from the shipped reader,
whose encoder already reads questions against passages, adds a one-logit head over [CLS], and
minimises the softmax cross-entropy of the positive against its negatives. Groups are written as
gzipped JSON (no pickle), so mining runs where the embedding model is installed and training on a GPU.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.squad import Example
from qa.windows import MAX_LENGTH, Window, collate, make_windows, token_span

log = logging.getLogger(__name__)

GROUP_SIZE = 8  # the positive and up to 7 negatives per question
MINE_K = 10  # retrieved passages the negatives come from


@dataclass(frozen=True)
class Group:
    """One question, the passage holding its answer (with the answer's character span in it), and
    passages of the same article that do not hold it, hardest first."""

    question: str
    positive: str
    answer_start: int
    answer_end: int
    negatives: tuple[str, ...]


def mine_groups(examples: Sequence[Example], negatives: int = GROUP_SIZE - 1, seed: int = 0) -> list[Group]:
    """Groups for the answerable questions: hard negatives from the hybrid retriever's top MINE_K,
    topped up with other passages of the article; a passage of the gold paragraph that misses the
    answer is neither positive nor negative."""
    from index import shared_embeddings
    from index.build import index_documents
    from qa.e2e import article_documents
    from qa.retriever import HybridRetriever

    rng = random.Random(seed)
    emb = shared_embeddings()
    groups = []
    for title, doc in article_documents(examples).items():
        index = index_documents([doc], emb)
        retriever = HybridRetriever(index=index, embeddings=emb, k=MINE_K)
        for ex in examples:
            if ex.title != title or ex.is_impossible:
                continue
            paragraph = doc.text.index(ex.context)
            start = paragraph + ex.answer_starts[0]
            end = start + len(ex.answers[0])
            holds = [i for i, p in enumerate(index.passages) if p.start <= start and end <= p.end]
            near = {i for i, p in enumerate(index.passages) if p.start < paragraph + len(ex.context) and paragraph < p.end}
            if not holds:
                continue
            ranked = [i for i, _ in retriever.ranked(ex.question)]
            positive = next((i for i in ranked if i in holds), holds[0])
            hard = [i for i in ranked if i not in near]
            rest = [i for i in range(len(index.passages)) if i not in near and i not in hard]
            rng.shuffle(rest)
            chosen = (hard + rest)[:negatives]
            if not chosen:
                continue
            p = index.passages[positive]
            groups.append(Group(ex.question, p.text, start - p.start, end - p.start, tuple(index.passages[i].text for i in chosen)))
    return groups


def save_groups(groups: dict[str, list[Group]], path: Path) -> None:
    """Write {part: groups} as gzipped JSON, each distinct passage text stored once."""
    texts: dict[str, int] = {}

    def ref(text: str) -> int:
        return texts.setdefault(text, len(texts))

    parts = {
        part: [[g.question, ref(g.positive), g.answer_start, g.answer_end, [ref(t) for t in g.negatives]] for g in gs]
        for part, gs in groups.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump({"passages": list(texts), "groups": parts}, f)


def load_groups(path: Path) -> dict[str, list[Group]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    texts = data["passages"]
    return {
        part: [Group(q, texts[pos], a, b, tuple(texts[i] for i in neg)) for q, pos, a, b, neg in gs] for part, gs in data["groups"].items()
    }


def group_windows(tokenizer, group: Group, max_length: int = MAX_LENGTH) -> list[Window]:
    """The positive's window that holds its answer, then each negative's first window."""
    texts = [group.positive, *group.negatives]
    windows = make_windows(tokenizer, [group.question] * len(texts), texts, max_length)
    positive = next(
        (w for w in windows if w.example == 0 and token_span(w, group.answer_start, group.answer_end) is not None),
        windows[0],
    )
    firsts = {}
    for w in windows:
        if w.example > 0:
            firsts.setdefault(w.example, w)
    return [positive, *firsts.values()]


@dataclass
class RerankConfig:
    """Settings of one reranker run; the shipped reranker used learning_rate=5e-5 and epochs=2
    (`scripts/train_gpu_reranker.sh` runs it beside two other schedules)."""

    groups: Path
    out_dir: Path
    init_from: Path | None = None  # default: the shipped reader
    seed: int = 21
    batch_groups: int = 16
    learning_rate: float = 3e-5
    weight_decay: float = 0.01
    warmup: float = 0.1
    epochs: float = 1.0
    checkpoint_every: int = 500
    device: str = "auto"


def recall_at_1(score_batch, tokenizer, groups: Sequence[Group]) -> float:
    """Share of groups whose positive outscores all its negatives."""
    hits = 0
    for g in groups:
        scores = score_batch(group_windows(tokenizer, g))
        hits += int(scores[0] > max(scores[1:]))
    return hits / max(1, len(groups))


def train_reranker(cfg: RerankConfig) -> Path:
    """Run (or resume) training and write the reranker to `cfg.out_dir / "final"`."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from index.offline import go_offline
    from qa.reader import MODEL_DIR, save_reader
    from qa.train import _load_checkpoint, _save_checkpoint, adamw, lr_factor, start_run

    go_offline()
    out, rng, device = start_run(cfg)
    init = Path(cfg.init_from) if cfg.init_from else MODEL_DIR
    model = AutoModelForSequenceClassification.from_pretrained(init, num_labels=1, dtype=torch.float32, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(init, local_files_only=True)
    model.to(device)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()

    data = load_groups(Path(cfg.groups))
    train_groups, dev_groups = data["train"], data.get("dev", [])
    order = list(range(len(train_groups)))
    steps = math.ceil(cfg.epochs * len(order) / cfg.batch_groups)
    batches: list[list[int]] = []
    while len(batches) < steps:
        rng.shuffle(order)
        batches += [order[i : i + cfg.batch_groups] for i in range(0, len(order), cfg.batch_groups)]
    log.info("%d train groups, %d steps of %d groups, on %s", len(train_groups), steps, cfg.batch_groups, device)

    optimizer = adamw(model, cfg.learning_rate, cfg.weight_decay)

    def score_batch(windows: list[Window]):
        ids, types, mask = (torch.from_numpy(t).to(device) for t in collate(windows))
        with autocast:
            return model(input_ids=ids, token_type_ids=types, attention_mask=mask).logits[:, 0].float()

    def dev_recall() -> float:
        model.eval()
        with torch.inference_mode():
            r = recall_at_1(lambda ws: score_batch(ws).cpu().tolist(), tokenizer.backend_tokenizer, dev_groups)
        model.train()
        return r

    ckpt = out / "checkpoint"
    step = _load_checkpoint(model, optimizer, ckpt) if (ckpt / "state.json").exists() else 0
    metrics = (out / "metrics.jsonl").open("a", buffering=1)  # line-buffered: a run cut short keeps its lines
    if step == 0 and dev_groups:
        r = dev_recall()
        log.info("dev R@1 among each group before training %.3f", r)
        metrics.write(json.dumps({"step": 0, "dev_r1": r}) + "\n")
    model.train()
    t0, loss_sum = time.time(), 0.0
    while step < steps:
        for g in optimizer.param_groups:
            g["lr"] = cfg.learning_rate * lr_factor(step, steps, cfg.warmup)
        windows, sizes = [], []
        for i in batches[step]:
            ws = group_windows(tokenizer.backend_tokenizer, train_groups[i])
            windows += ws
            sizes.append(len(ws))
        logits = score_batch(windows)
        target = torch.zeros(1, dtype=torch.long, device=device)  # the positive comes first in each group
        loss = sum(torch.nn.functional.cross_entropy(part[None], target) for part in logits.split(sizes)) / len(sizes)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        loss_sum = loss_sum + loss.detach()
        if step % 50 == 0:
            log.info("step %d/%d loss %.4f %.3f s/step", step, steps, float(loss_sum) / 50, (time.time() - t0) / 50)
            metrics.write(json.dumps({"step": step, "loss": float(loss_sum) / 50}) + "\n")
            loss_sum, t0 = 0.0, time.time()
        if step % cfg.checkpoint_every == 0 or step == steps:
            _save_checkpoint(model, optimizer, step, ckpt)
    if dev_groups:
        r = dev_recall()
        log.info("dev R@1 among each group %.3f", r)
        metrics.write(json.dumps({"step": step, "dev_r1": r}) + "\n")
    metrics.close()
    final = out / "final"
    model.eval()
    save_reader(model, tokenizer, final)
    return final
