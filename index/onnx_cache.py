"""BERT encoders exported once to ONNX and cached, so answering runs on ONNX Runtime without torch.

The first use of a model folder exports it with torch (a few seconds), fuses attention, GELU and
layer norms with ONNX Runtime's BERT optimizer and, when asked, quantizes the matrix products to
int8 (dynamic, per channel; embeddings and output head stay fp32). Later processes only open the cached
file: importing torch and transformers was most of a cold start.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Literal

from index.home import docqa_home

log = logging.getLogger(__name__)

# start/end logits per token, or the mean-pooled L2-normalised vector
Head = Literal["spans", "pooled"]
RECIPE = 1  # bump when the export below changes what it writes: old cache files are then ignored
OPSET = 17


def cached_onnx(model_dir: Path, head: Head, int8: bool) -> Path:
    """The ONNX file of `model_dir` (a transformers BERT folder) with `head`, exported on first use.

    Cached under `$DOCQA_HOME/onnx`, keyed by the folder, its weights' size and modification time,
    the head, the precision and RECIPE: new weights get a new export, which replaces the old one.
    """
    model_dir = Path(model_dir).resolve()
    stat = (model_dir / "model.safetensors").stat()
    # one name per folder, head and precision; the last part changes with the weights
    prefix = f"{model_dir.name}-{_stable_key(str(model_dir))}-{head}-{'int8' if int8 else 'fp32'}"
    folder = docqa_home() / "onnx"
    target = folder / f"{prefix}-{_stable_key(f'{stat.st_size}|{stat.st_mtime_ns}|{RECIPE}')}.onnx"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process exports; the others wait and reuse its file
        if not target.exists():
            log.info("exporting %s to ONNX (%s, %s), once: %s", model_dir, head, "int8" if int8 else "fp32", target)
            _build(model_dir, head, int8, target)
            for old in folder.glob(f"{prefix}-*.onnx"):  # exports of weights since replaced
                if old != target:
                    old.unlink(missing_ok=True)
    return target


def _stable_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _build(model_dir: Path, head: Head, int8: bool, target: Path) -> None:
    """Export, fuse and (for int8) quantize into a temporary file, then move it into place."""
    config = json.loads((model_dir / "config.json").read_text())
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        raw, fused, final = Path(tmp) / "raw.onnx", Path(tmp) / "fused.onnx", Path(tmp) / "final.onnx"
        _export(model_dir, head, raw)
        _fuse(raw, fused, config)
        if int8:
            _quantize(fused, final)
        else:
            final = fused
        os.replace(final, target)


def _export(model_dir: Path, head: Head, out: Path) -> None:
    """Trace the model with torch's TorchScript exporter: its graph of this BERT is one ORT's optimizer
    fuses fully, where torch.export's exporter, much slower here, left attention unfused."""
    import torch
    from transformers import AutoModel, AutoModelForQuestionAnswering

    from index.offline import go_offline

    go_offline()
    load = {"spans": AutoModelForQuestionAnswering, "pooled": AutoModel}[head]
    # eager attention traces to plain ops that the optimizer recognises as BERT attention
    model = load.from_pretrained(model_dir, dtype=torch.float32, local_files_only=True, attn_implementation="eager").eval()

    class Export(torch.nn.Module):
        """Positional inputs in a fixed order, and plain tensors out."""

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            if head == "spans":
                return out.start_logits, out.end_logits
            weights = attention_mask.unsqueeze(-1).to(out.last_hidden_state.dtype)
            pooled = (out.last_hidden_state * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    outputs = {"spans": ["start_logits", "end_logits"], "pooled": ["embedding"]}[head]
    inputs = ["input_ids", "attention_mask", "token_type_ids"]
    example = torch.ones((2, 16), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in inputs}
    axes.update({name: {0: "batch", 1: "tokens"} if head == "spans" else {0: "batch"} for name in outputs})
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter is deprecated and its tracer chatty
        torch.onnx.export(
            Export(),
            (example, example, torch.zeros_like(example)),
            str(out),
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _fuse(src: Path, dst: Path, config: dict) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    fused = optimize_model(
        str(src), model_type="bert", num_heads=config["num_attention_heads"], hidden_size=config["hidden_size"], opt_level=1
    )
    fused.save_model_to_file(str(dst))


def _quantize(src: Path, dst: Path) -> None:
    """int8 weights per output channel for the encoder's matrix products and attention. The embeddings
    (a lookup: int8 saves no time there) and the last matrix product, the output head, stay fp32."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(src)).graph
    head = [n.name for n in graph.node if n.op_type in ("MatMul", "Gemm")][-1]
    logging.disable(logging.WARNING)  # it advises, on the root logger, a pre-processing step meant for static quantization
    try:
        quantize_dynamic(
            str(src),
            str(dst),
            per_channel=True,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul", "Attention"],
            nodes_to_exclude=[head],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # types the fused ops leave unknown
        )
    finally:
        logging.disable(logging.NOTSET)


def onnx_session(model_dir: Path, head: Head, int8: bool, threads: int | None = None):
    """(path, ONNX Runtime CPU session) of the cached export; a cached file that no longer loads (cut
    short, overwritten) is exported again. `run` on the session is safe from several threads at once.
    `threads` caps its thread pool (default: one per core), for several sessions sharing a machine."""
    path = cached_onnx(model_dir, head, int8)
    try:
        return path, _open(path, threads)
    except Exception as err:  # onnxruntime raises its own exception types (InvalidProtobuf, Fail, ...)
        log.warning("the cached export %s does not load (%s); exporting it again", path, err)
        path.unlink(missing_ok=True)
        path = cached_onnx(model_dir, head, int8)
        return path, _open(path, threads)


def _open(path: Path, threads: int | None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    # Idle worker threads sleep instead of spinning: an answer runs the query encoder and then the
    # reader, each with its own pool, and a pool that spins after its run takes the cores the next
    # one needs.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
