"""The `docqa` command: build and inspect indexes, ask, chat, serve the web app, train and evaluate."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from index.offline import go_offline

go_offline()

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Offline question answering over your documents.")
index_app = typer.Typer(no_args_is_help=True, help="Build, extend and inspect an index.")
reader_app = typer.Typer(no_args_is_help=True, help="Train and calibrate the extractive reader.")
app.add_typer(index_app, name="index")
reranker_app = typer.Typer(no_args_is_help=True, help="Mine training groups for, and train, the passage reranker.")
app.add_typer(reader_app, name="reader")
app.add_typer(reranker_app, name="reranker")

IndexOpt = Annotated[Path | None, typer.Option("--index", help="index folder (default: $DOCQA_HOME/index, the bundled article)")]
Int8Opt = Annotated[bool, typer.Option("--int8/--fp32", help="run the reader's encoder in int8 (as answer() does) or fp32")]
BAD_INPUT = 2


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(BAD_INPUT)


def _guard(func, *args, **kwargs):
    """Run func, turning bad input and bad indexes into a one-line error and exit code 2."""
    from index.errors import DocqaError

    try:
        return func(*args, **kwargs)
    except (DocqaError, ValueError, TypeError) as err:
        _fail(str(err))


def _print_report(report) -> None:
    m = report.manifest
    state = "built" if report.changed else "unchanged (same documents), nothing to do"
    typer.echo(f"{report.index_dir}: {state}; {len(m.documents)} document(s), {m.passages} passages")


@index_app.command("build")
def index_build(
    files: Annotated[list[Path], typer.Argument(help="UTF-8 text files")],
    index: IndexOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Replace the index with one built from FILES (a no-op if they are unchanged)."""
    from index.build import build_index

    _print_report(_guard(build_index, list(files), index, progress=not quiet))


@index_app.command("add")
def index_add(
    files: Annotated[list[Path], typer.Argument(help="UTF-8 text files")],
    index: IndexOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Add FILES to the index (a file with the same name replaces the old one)."""
    from index.build import add_documents

    _print_report(_guard(add_documents, list(files), index, progress=not quiet))


@index_app.command("upgrade")
def index_upgrade(index: IndexOpt = None, quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False) -> None:
    """Rebuild the index from the documents it holds (after an upgrade changed the index format)."""
    from index.build import upgrade_index

    _print_report(_guard(upgrade_index, index, progress=not quiet))


@index_app.command("info")
def index_info(index: IndexOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the documents, passages and embedding model of an index."""
    from index.build import ensure_default_index
    from index.store import read_manifest

    folder = index or _guard(ensure_default_index)
    m = _guard(read_manifest, folder)
    if as_json:
        typer.echo(json.dumps(asdict(m), indent=1))
        return
    typer.echo(f"index: {folder}\nbuilt: {m.built_at}\nmodel: {m.embedding_model} ({m.dimension}-d)\npassages: {m.passages}")
    for d in m.documents:
        typer.echo(f"  {d.doc_id}: {d.chars:,} chars, {d.passages} passages, sha256 {d.sha256[:12]}")


def _show(result, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=1, ensure_ascii=False))
        return
    if not result.found:
        typer.echo("The document does not say.")
        if result.closest:
            typer.echo(f"  closest passage ({result.closest.doc_id} #{result.closest.passage_id}): {result.closest.sentence}")
        return
    name = f" ({result.name})" if result.name else ""
    typer.echo(f"{result.text}{name}   [score {result.score:.2f}]")
    for ev in result.evidence:
        role = f"{ev.role}: " if ev.role != "answer" else ""
        typer.echo(f"  {role}{ev.doc_id} #{ev.passage_id} chars {ev.start}-{ev.end}: {ev.sentence}")
    if result.alternatives:
        typer.echo("  also: " + "; ".join(f"{a.text} ({a.score:.2f})" for a in result.alternatives))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question, in quotes")],
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the Answer as JSON")] = False,
    top_k: Annotated[int, typer.Option(help="passages to retrieve")] = 4,
) -> None:
    """Answer one question. Exit 0 with an answer or "the document does not say"; 2 on bad input."""
    from qa import answer

    _show(_guard(answer, question, index=index, top_k=top_k), as_json)


def _lines():
    """Lines from a pipe, or from a prompt when a person is typing."""
    if not sys.stdin.isatty():
        yield from sys.stdin
        return
    while True:
        try:
            yield input("> ")
        except (EOFError, KeyboardInterrupt):
            return


@app.command()
def chat(index: IndexOpt = None) -> None:
    """Ask questions one after another; follow-ups ("where did he go?") use the conversation so far."""
    from qa import answer

    history: list[tuple[str, str]] = []
    typer.echo("Ask about the document (empty line or Ctrl-D to quit).")
    for line in _lines():
        question = line.strip()
        if not question:
            break
        try:
            result = answer(question, index=index, history=history)
        except (ValueError, TypeError) as err:
            typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
            continue
        _show(result, False)
        history.append((question, result.text))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 7860,
    index: IndexOpt = None,
) -> None:
    """Start the web app (default http://127.0.0.1:7860)."""
    from ui.app import launch

    _guard(launch, host=host, port=port, index_dir=index)


@app.command("eval")
def evaluate_cmd(
    file: Annotated[Path, typer.Argument(help="a SQuAD-format JSON file")],
    part: Annotated[str | None, typer.Option(help="train, dev or test part of splits.json (default: the whole file)")] = None,
    limit: Annotated[int | None, typer.Option(help="only the first N questions")] = None,
    end_to_end: Annotated[bool, typer.Option("--end-to-end", help="index each article and ask through answer()")] = False,
    model: Annotated[Path | None, typer.Option(help="reader folder (default: the shipped one)")] = None,
    threshold: Annotated[
        float | None, typer.Option(help="answer when P(answer) >= this; 0 always answers (SQuAD v1.1 protocol); default: dev-optimal")
    ] = None,
    int8: Int8Opt = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """EM and F1 (overall, answerable, unanswerable) and latency of the reader on a SQuAD file."""
    from qa.evaluate import NO_ANSWER, evaluate
    from qa.reader import Reader
    from qa.squad import load_examples

    examples = _guard(load_examples, file, part)
    examples = examples[:limit] if limit else examples
    if not examples:
        _fail(f"no questions in {file}" + (f" for part {part}" if part else ""))
    if end_to_end:
        from qa.e2e import evaluate_end_to_end

        figures = evaluate_end_to_end(examples)
    else:
        figures = evaluate(Reader.load(model, quantize=int8), examples, threshold=threshold)
    if as_json:
        typer.echo(json.dumps(asdict(figures)))
        return
    mode = "end-to-end (retrieve + read)" if end_to_end else "reader with the gold paragraph"
    mode += f", answering at P(answer) >= {threshold}" if threshold is not None and not end_to_end else ""
    mode += "" if end_to_end else (", int8" if int8 else ", fp32")
    typer.echo(f"{file.name} [{part or 'all'}], {mode}, {figures.n} questions")
    typer.echo(f"  EM {figures.em:.1f}  F1 {figures.f1:.1f}")
    if figures.has_ans_f1 is not None:
        typer.echo(f"  HasAns F1 {figures.has_ans_f1:.1f} ({figures.has_ans_n})")
    if figures.no_ans_f1 is not None:
        typer.echo(f"  NoAns F1 {figures.no_ans_f1:.1f} ({figures.no_ans_n})")
    if figures.has_ans_f1 is not None:
        typer.echo(
            "  answerable questions by where the answer came from: "
            + "; ".join(
                f"{where} {s.questions}" + (f" (F1 {s.f1:.1f})" if s.questions and where != NO_ANSWER else "")
                for where, s in figures.sources.items()
            )
        )
    typer.echo(f"  latency p50 {figures.p50_ms:.1f} ms  p95 {figures.p95_ms:.1f} ms per question")


@reader_app.command("train")
def reader_train(
    out: Annotated[Path, typer.Option(help="run folder: checkpoints, metrics, final model")] = Path("runs/reader"),
    max_steps: Annotated[int, typer.Option(help="optimizer steps (batch 32)")] = 900,
    seed: Annotated[int, typer.Option()] = 13,
    learning_rate: Annotated[float, typer.Option(help="peak learning rate")] = 1e-4,
    warmup: Annotated[float, typer.Option(help="share of the steps spent warming up")] = 0.1,
    init_from: Annotated[Path | None, typer.Option(help="a saved reader to go on training instead of the base model")] = None,
    unanswerable_repeat: Annotated[int, typer.Option(help="times each window of an unanswerable question is seen per epoch")] = 1,
    other_paragraph: Annotated[
        float, typer.Option(help="share of answerable questions also shown, as unanswerable, with another paragraph of their article")
    ] = 0.0,
    answer_removed: Annotated[
        float, typer.Option(help="share of answerable questions also shown, as unanswerable, without their answer's sentences")
    ] = 0.0,
    device: Annotated[str, typer.Option(help="auto (a GPU when torch sees one), cpu, cuda or cuda:N")] = "auto",
    checkpoint_every: Annotated[int, typer.Option(help="steps between checkpoints")] = 100,
    eval_every: Annotated[int, typer.Option(help="steps between dev-sample evaluations")] = 250,
    data_dir: Annotated[Path | None, typer.Option(help="SQuAD data folder with splits.json (default: ../shared/data/squad)")] = None,
) -> None:
    """Fine-tune the reader on the train part; rerun the same command to resume after an interruption."""
    import logging

    from qa.train import TrainConfig, train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cfg = TrainConfig(
        out_dir=out,
        max_steps=max_steps,
        seed=seed,
        learning_rate=learning_rate,
        warmup=warmup,
        init_from=init_from,
        unanswerable_repeat=unanswerable_repeat,
        other_paragraph=other_paragraph,
        answer_removed=answer_removed,
        device=device,
        checkpoint_every=checkpoint_every,
        eval_every=eval_every,
        data_dir=data_dir,
    )
    typer.echo(f"final model: {train(cfg)}")


@reader_app.command("calibrate")
def reader_calibrate(
    model: Annotated[Path, typer.Argument(help="reader folder to calibrate (calibration.json is written there)")],
    int8: Int8Opt = True,
) -> None:
    """Fit the no-answer probability and threshold on the dev part."""
    from qa.calibrate import calibrate
    from qa.evaluate import read_all
    from qa.reader import Reader
    from qa.squad import load_part

    dev = load_part("dev")
    readings, _ = read_all(Reader.load(model, quantize=int8), dev)  # margins do not depend on the old calibration
    calibration, dev_f1 = calibrate(dev, readings)
    (model / "calibration.json").write_text(json.dumps(asdict(calibration), indent=1))
    typer.echo(f"{calibration}; dev F1 {dev_f1:.2f} on {len(dev)} questions")


@reranker_app.command("mine")
def reranker_mine(
    out: Annotated[Path, typer.Option(help="gzipped JSON of the groups")] = Path("runs/rerank/groups.json.gz"),
    data_dir: Annotated[Path | None, typer.Option(help="SQuAD data folder with splits.json (default: ../shared/data/squad)")] = None,
) -> None:
    """Index each train and dev article and keep, per answerable question, its answer's passage and the
    retriever's other top passages (needs the embedding model; a GPU does not help)."""
    from qa.rerank_train import mine_groups, save_groups
    from qa.squad import load_part

    groups = {part: mine_groups(load_part(part, data_dir)) for part in ("train", "dev")}
    save_groups(groups, out)
    typer.echo(f"{len(groups['train'])} train and {len(groups['dev'])} dev groups in {out}")


@reranker_app.command("train")
def reranker_train(
    groups: Annotated[Path, typer.Option(help="groups from `docqa reranker mine`")] = Path("runs/rerank/groups.json.gz"),
    out: Annotated[Path, typer.Option(help="run folder: checkpoint, metrics, final model")] = Path("runs/rerank"),
    epochs: Annotated[float, typer.Option(help="passes over the train groups")] = 1.0,
    learning_rate: Annotated[float, typer.Option(help="peak learning rate")] = 3e-5,
    batch_groups: Annotated[int, typer.Option(help="questions per step, each with its group of passages")] = 16,
    seed: Annotated[int, typer.Option()] = 21,
    init_from: Annotated[Path | None, typer.Option(help="starting weights (default: the shipped reader)")] = None,
    device: Annotated[str, typer.Option(help="auto (a GPU when torch sees one), cpu, cuda or cuda:N")] = "auto",
) -> None:
    """Train the reranker on the mined groups; rerun the same command to resume after an interruption."""
    import logging

    from qa.rerank_train import RerankConfig, train_reranker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cfg = RerankConfig(groups, out, init_from, seed, batch_groups, learning_rate, epochs=epochs, device=device)
    typer.echo(f"final model: {train_reranker(cfg)}")


def main() -> None:
    app()
