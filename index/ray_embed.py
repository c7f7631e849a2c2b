"""Sentence embeddings on Ray: the build's one heavy step as a Ray Data pipeline (`pip install docqa[ray]`).

The sentences go out as a Ray dataset in batches of like length, longest first; a pool of actors,
each loading the embedding model once, embeds them batch by batch, on as many nodes as the cluster
has; the vectors come back here in any order, keyed by row, and the build writes the index as a
single-process build does. Only `docqa index build --ray` and `RayEncoder` import Ray.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from dataclasses import dataclass

import numpy as np

from index.embeddings import DIMENSION
from index.errors import BuildCancelledError, DocqaError

RAY_BATCH = 512  # sentences a task embeds at most
BATCH_CHARS = 16_000  # and characters, so a batch of long sentences takes no longer than one of short ones


class _Embedder:
    """One Ray actor: loads the model once and embeds the batches it is given, on the CPUs Ray gave it."""

    def __init__(self):
        import ray

        from index.embeddings import MiniLMEmbeddings
        from index.offline import go_offline

        go_offline()
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
        self.model = MiniLMEmbeddings(threads=max(1, int(cpus)))

    def __call__(self, batch: dict[str, np.ndarray], int8: bool) -> dict[str, np.ndarray]:
        return {"row": batch["row"], "vector": self.model.encode([str(t) for t in batch["text"]], int8=int8)}


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

    def encode(self, texts: list[str], progress: bool = False, cancel: threading.Event | None = None, int8: bool = False) -> np.ndarray:
        """A float32 array of shape (len(texts), 384), with the int8 export when `int8`; BuildCancelledError
        between batches once `cancel` is set."""
        ray = _ray()
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        started = not ray.is_initialized()
        if started:
            start_ray(self.address)
        try:
            self._run(ray, texts, vectors, progress, cancel, int8)
        finally:
            if started:
                ray.shutdown()
        return vectors

    def _run(self, ray, texts: list[str], vectors: np.ndarray, progress: bool, cancel: threading.Event | None, int8: bool) -> None:
        import pyarrow as pa
        from tqdm import tqdm

        # a build smaller than the pool gets fewer tasks than actors: nothing to warn the user about
        warnings.filterwarnings("ignore", message="The minimum number of concurrent actors", category=UserWarning)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # one bar, ours, counts sentences
        context.print_on_execution_start = False
        workers = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)) // self.threads_per_worker)
        # batches of like length (little padding), the longest first and one at a time to each actor,
        # so the short ones fill in at the end and the actors finish together
        batches = _batches(texts)
        blocks = [pa.table({"row": rows, "text": pa.array([texts[j] for j in rows], type=pa.large_string())}) for rows in batches]
        dataset = ray.data.from_arrow(blocks).map_batches(
            _Embedder,
            fn_kwargs={"int8": int8},
            compute=ray.data.ActorPoolStrategy(size=workers, max_tasks_in_flight_per_actor=2),
            num_cpus=self.threads_per_worker,
            batch_size=None,  # a block is one batch, as made above
            batch_format="numpy",
        )
        with tqdm(total=len(texts), desc=f"embedding on Ray ({workers} workers)", unit="sentence", disable=not progress) as bar:
            for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                if cancel is not None and cancel.is_set():
                    raise BuildCancelledError("the build was cancelled; the index is as it was")
                vectors[batch["row"]] = batch["vector"]
                bar.update(len(batch["row"]))


def _batches(texts: list[str]) -> list[np.ndarray]:
    """Row numbers of the texts in batches, longest texts first, each batch at most RAY_BATCH texts and
    BATCH_CHARS characters (or one text)."""
    batches, current, chars = [], [], 0
    for i in np.argsort([-len(t) for t in texts], kind="stable").tolist():
        if current and (len(current) == RAY_BATCH or chars + len(texts[i]) > BATCH_CHARS):
            batches.append(np.asarray(current))
            current, chars = [], 0
        current.append(i)
        chars += len(texts[i])
    batches.append(np.asarray(current))
    return batches


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
