"""Sentence embeddings on Ray: the build's one heavy step as a Ray Data pipeline (`pip install docqa[ray]`).

The sentences go out as a Ray dataset, shortest first so each batch holds texts of like length; a pool
of actors, each loading the embedding model once, embeds them batch by batch, on as many nodes as
the cluster has; the vectors come back here in any order, keyed by row, and the build writes the index
as a single-process build does. Only `docqa index build --ray` and `RayEncoder` import Ray.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

import numpy as np

from index.embeddings import DIMENSION
from index.errors import BuildCancelledError, DocqaError

RAY_BATCH = 256  # sentences a task embeds: large enough to hide the hand-over, small enough to balance
BLOCK_BATCHES = 4  # batches per block of the dataset, so every actor gets work from the start


class _Embedder:
    """One Ray actor: loads the model once and embeds the batches it is given, on the CPUs Ray gave it."""

    def __init__(self):
        import ray

        from index.embeddings import MiniLMEmbeddings
        from index.offline import go_offline

        go_offline()
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
        self.model = MiniLMEmbeddings(threads=max(1, int(cpus)))

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"row": batch["row"], "vector": self.model.encode([str(t) for t in batch["text"]])}


@dataclass
class RayEncoder:
    """Embeds documents' sentences on Ray, as `MiniLMEmbeddings.encode` does in one process.

    `address` joins a running cluster ("auto", or "ray://host:10001"); None starts a local Ray on this
    machine for the build and stops it after. `workers` is the number of actors (default: one per
    `threads_per_worker` CPUs of the cluster).
    """

    address: str | None = None
    workers: int | None = None
    threads_per_worker: int = 1
    dimension: int = DIMENSION

    def encode(self, texts: list[str], progress: bool = False, cancel: threading.Event | None = None) -> np.ndarray:
        """A float32 array of shape (len(texts), 384); BuildCancelledError between batches once `cancel` is set."""
        ray = _ray()
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        started = not ray.is_initialized()
        if started:
            start_ray(self.address)
        try:
            self._run(ray, texts, vectors, progress, cancel)
        finally:
            if started:
                ray.shutdown()
        return vectors

    def _run(self, ray, texts: list[str], vectors: np.ndarray, progress: bool, cancel: threading.Event | None) -> None:
        import pyarrow as pa
        from tqdm import tqdm

        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # one bar, ours, counts sentences
        context.print_on_execution_start = False
        workers = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)) // self.threads_per_worker)
        order = np.argsort([len(t) for t in texts], kind="stable")
        step = max(1, min(RAY_BATCH * BLOCK_BATCHES, -(-len(texts) // workers)))  # at least one block per actor
        blocks = [
            pa.table({"row": order[i : i + step], "text": pa.array([texts[j] for j in order[i : i + step]], type=pa.large_string())})
            for i in range(0, len(order), step)
        ]
        dataset = ray.data.from_arrow(blocks).map_batches(
            _Embedder,
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_cpus=self.threads_per_worker,
            batch_size=RAY_BATCH,
            batch_format="numpy",
        )
        with tqdm(total=len(texts), desc=f"embedding on Ray ({workers} workers)", unit="sentence", disable=not progress) as bar:
            for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                if cancel is not None and cancel.is_set():
                    raise BuildCancelledError("the build was cancelled; the index is as it was")
                vectors[batch["row"]] = batch["vector"]
                bar.update(len(batch["row"]))


def _ray():
    try:
        import ray
        import ray.data
    except ImportError:
        raise DocqaError("building on Ray needs Ray: pip install 'docqa[ray]'") from None
    return ray


def start_ray(address: str | None = None) -> None:
    """Join the cluster at `address`, or start a local Ray with this machine's cores; errors only on the console."""
    ray = _ray()
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # Ray Data's own actor set-up logs a spurious error line
    options = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if address:
        ray.init(address=address, **options)
    else:
        ray.init(num_cpus=os.cpu_count(), **options)
