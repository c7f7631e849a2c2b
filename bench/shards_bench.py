"""Answering across shards against answering from one index: the SQuAD v1.1 test articles (13,
1,002 passages) as one collection, indexed whole and split by article into shards (index folders
here, as each would be on its own machine); every question is asked of the whole collection, through
`answer()` and through `qa.shards.answer_across`; with `--servers`, also with each shard served by
its own docqa server on loopback, asked through the JSON API. Prints EM, F1, the questions refused
(all are answerable), how often the answer came from the question's own article, and the time per
question. On these two cores the shards' readings share the cores; on one machine per shard they run
side by side.

Usage: python -m bench.shards_bench [--every N] [--shards N ...] [--servers]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.timing import machine
from index import build_index
from qa.api import answer, forget
from qa.shards import answer_across
from qa.training.e2e import article_documents
from qa.training.squad import load_examples, require_data_dir, score
from ui.app import launch
from ui.replicas import free_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=4, help="ask every Nth question (default 4: 1,140 of 4,557)")
    parser.add_argument("--shards", type=int, nargs="*", default=[2, 4], help="shard counts to compare with one index")
    parser.add_argument("--servers", action="store_true", help="also ask the shards through docqa servers on loopback")
    args = parser.parse_args()
    print(machine())
    examples = load_examples(require_data_dir() / "squad-v1.1-dev.json", "test")
    questions = examples[:: args.every]
    docs = list(article_documents(examples).values())
    print(f"{len(docs)} articles, {len(questions)} of their {len(examples)} questions")
    print("  index                      EM     F1   refused   own article   p50 ms   p95 ms")
    with tempfile.TemporaryDirectory(prefix="docqa-shards-") as tmp:
        rows = [(n, False) for n in [1, *args.shards]] + [(n, True) for n in args.shards if args.servers]
        for n, served in rows:
            folders = [Path(tmp) / f"{n}-{k}" for k in range(n)]
            for k, folder in enumerate(folders):
                if not folder.exists():
                    build_index(docs[k::n], folder)  # articles dealt out in turn, as a collection is split by document
            servers = [launch(port=free_port(), index_dir=folder, block=False) for folder in folders] if served else []
            shards = [server.url.rstrip("/") for server in servers] or folders

            def ask(question: str, shards=shards):
                return answer(question, index=shards[0]) if len(shards) == 1 else answer_across(question, shards)

            ask(questions[0].question)  # load the models and every shard's index before timing
            em = f1 = refused = own = 0.0
            times = []
            for ex in questions:
                t = time.perf_counter()
                result = ask(ex.question)
                times.append(1000 * (time.perf_counter() - t))
                e, f = score(result.text, ex)
                em, f1 = em + e, f1 + f
                refused += not result.found
                own += bool(result.found and result.evidence[0].doc_id == ex.title)
            q = len(questions)
            label = "one index" if n == 1 else f"{n} shards, servers" if served else f"{n} shards, folders"
            p95 = statistics.quantiles(times, n=20)[-1]
            print(
                f"  {label:22s} {100 * em / q:6.1f} {100 * f1 / q:6.1f} {100 * refused / q:8.1f}% "
                f"{100 * own / q:12.1f}% {statistics.median(times):8.1f} {p95:8.1f}"
            )
            for server in servers:
                server.close()
            for folder in folders:
                forget(folder)


if __name__ == "__main__":
    main()
