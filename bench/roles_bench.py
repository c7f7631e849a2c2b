"""What reading the passage that names a role's holder (qa/roles.py) changes on SQuAD: every question
of the form "Who is/was X's role?" or "Who is the X role?" of the dev part and the test articles, asked
end to end (its article indexed as one document), with the answer before and after, and their F1.

Usage: python -m bench.roles_bench
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from index.build import build_index
from qa.api import forget, pipeline_for
from qa.roles import role_asked, role_reading
from qa.training.e2e import article_documents
from qa.training.squad import load_examples, load_part, require_data_dir, score


def main() -> None:
    data = require_data_dir()
    parts = {
        "dev part": load_part("dev", data),
        "SQuAD v1.1 test articles": load_examples(data / "squad-v1.1-dev.json", "test"),
        "SQuAD v2.0 test articles": load_examples(data / "squad-v2.0-dev.json", "test"),
    }
    with tempfile.TemporaryDirectory(prefix="docqa-roles-") as tmp:
        for name, examples in parts.items():
            asked = [ex for ex in examples if role_asked(ex.question)]
            docs = article_documents(examples)
            folders: dict[str, Path] = {}  # each article indexed once
            before = after = 0.0
            changed = 0
            for ex in asked:
                if ex.title not in folders:
                    folders[ex.title] = Path(tmp) / f"{name[:3]}-{len(folders)}"
                    build_index([docs[ex.title]], folders[ex.title])
                pipeline = pipeline_for(folders[ex.title])
                found = pipeline.run(ex.question)
                reread = role_reading(pipeline, found, ex.question)
                old = found.reading.best.text if found.reading.best else ""
                new = reread.reading.best.text if reread and reread.reading.best else old
                before, after = before + score(old, ex)[1], after + score(new, ex)[1]
                if new != old:
                    changed += 1
                    print(f"  {ex.question} {old or '(no answer)'!r} -> {new!r}, F1 {score(old, ex)[1]:.2f} -> {score(new, ex)[1]:.2f}")
            for folder in folders.values():
                forget(folder)
            n = max(len(asked), 1)
            f1s = f"F1 on them {100 * before / n:.1f} -> {100 * after / n:.1f}"
            print(f"{name}: {len(asked)} role questions of {len(examples):,}, {changed} answered otherwise; {f1s}")


if __name__ == "__main__":
    main()
