"""The `docqa` command: build and inspect indexes, ask, chat, serve the web app, train and evaluate."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from index.offline import go_offline

go_offline()

# plain help: Rich's panels show every flag as taking a <bool> value
app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None, help="Offline question answering over your documents.")
index_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Build, extend and inspect an index.")
reader_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Train and calibrate the extractive reader.")
app.add_typer(index_app, name="index")
app.add_typer(reader_app, name="reader")

IndexOpt = Annotated[Path | None, typer.Option("--index", help="index folder (default: $DOCQA_HOME/index, the bundled article)")]
WriteIndexOpt = Annotated[Path | None, typer.Option("--index", help="index folder to write")]
DefaultOpt = Annotated[bool, typer.Option("--default", help="write the default index ($DOCQA_HOME/index), which the app serves")]
ShardOpt = Annotated[
    list[str] | None,
    typer.Option("--shard", help="answer across shards, each an index folder or a docqa server (http://host:port); repeat per shard"),
]
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
    if report.skipped:
        shown = ", ".join(str(p) for p in report.skipped[:5]) + (f" and {len(report.skipped) - 5} more" if len(report.skipped) > 5 else "")
        typer.echo(f"left out {len(report.skipped)} file(s) of other types in the folders: {shown}")
    for why in report.unreadable:
        typer.secho(f"left out, cannot be read: {why}", err=True, fg=typer.colors.YELLOW)


def _target(index: Path | None, default: bool) -> Path:
    """Where build/add/reset write: --index FOLDER, or the default index when --default says so."""
    from index.build import default_index_dir

    if index is not None and default:
        _fail("give --index FOLDER or --default, not both")
    if index is None and not default:
        _fail(
            "say which index to write: --index FOLDER, or --default for the default index that `docqa ask` and the app use "
            "(it holds the bundled article; `docqa index reset --default` brings the article back)"
        )
    return index if index is not None else default_index_dir()


FilesArg = Annotated[list[Path], typer.Argument(help="documents (.txt, .md, .pdf, .docx, .pptx, .html), or folders of them at any depth")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")]
PartOpt = Annotated[
    str | None,
    typer.Option("--part", metavar="K/N", help="build only part K of N of the documents: one shard of a collection split among N machines"),
]
SkipOpt = Annotated[
    bool,
    typer.Option("--skip-unreadable", help="leave out files that cannot be read (damaged, encrypted, scanned, not UTF-8) and list them"),
]


RayOpt = Annotated[bool, typer.Option("--ray", help="embed on a local Ray on this machine (pip install 'docqa[ray]')")]
RayAddressOpt = Annotated[str | None, typer.Option("--ray-address", metavar="ADDRESS", help="embed on the Ray cluster at ADDRESS")]
RayWorkersOpt = Annotated[int | None, typer.Option("--ray-workers", min=1, help="Ray actors embedding at once (default: one per CPU)")]


def _encoder(ray: bool, address: str | None, workers: int | None):
    """The RayEncoder that --ray / --ray-address ask for, or None to embed in this process."""
    if not ray and address is None:
        if workers is not None:
            _fail("--ray-workers needs --ray or --ray-address")
        return None
    from index.ray_embed import RayEncoder

    return RayEncoder(address=address, workers=workers)


@index_app.command("build")
def index_build(
    files: FilesArg,
    index: WriteIndexOpt = None,
    default: DefaultOpt = False,
    quiet: QuietOpt = False,
    ray: RayOpt = False,
    ray_address: RayAddressOpt = None,
    ray_workers: RayWorkersOpt = None,
    skip_unreadable: SkipOpt = False,
    part: PartOpt = None,
) -> None:
    """Replace an index's documents with FILES (a no-op if they are unchanged)."""
    from index.build import build_index

    encoder = _encoder(ray, ray_address, ray_workers)
    target = _target(index, default)
    options = {"progress": not quiet, "encoder": encoder, "skip_unreadable": skip_unreadable, "part": _part(part)}
    _print_report(_guard(build_index, list(files), target, **options))


def _part(text: str | None) -> tuple[int, int] | None:
    """--part K/N as (K, N); a one-line error for anything else."""
    if text is None:
        return None
    k, _, n = text.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        _fail(f"--part takes K/N with 1 <= K <= N (part 3 of 10: --part 3/10), not {text!r}")
    return int(k), int(n)


@index_app.command("add")
def index_add(
    files: FilesArg,
    index: WriteIndexOpt = None,
    default: DefaultOpt = False,
    quiet: QuietOpt = False,
    skip_unreadable: SkipOpt = False,
    part: PartOpt = None,
) -> None:
    """Add FILES to an index (a file with the same name replaces the old one)."""
    from index.build import add_documents

    options = {"progress": not quiet, "skip_unreadable": skip_unreadable, "part": _part(part)}
    _print_report(_guard(add_documents, list(files), _target(index, default), **options))


@index_app.command("reset")
def index_reset(index: WriteIndexOpt = None, default: DefaultOpt = False, quiet: QuietOpt = False) -> None:
    """Put the bundled article back as an index's only document (`--default`: the default index)."""
    from index.build import reset_index

    _print_report(_guard(reset_index, _target(index, default), progress=not quiet))


@index_app.command("upgrade")
def index_upgrade(index: IndexOpt = None, quiet: QuietOpt = False) -> None:
    """Rebuild the index from the documents it holds (after an upgrade changed the index format)."""
    from index.build import upgrade_index

    _print_report(_guard(upgrade_index, index, progress=not quiet))


@index_app.command("info")
def index_info(index: IndexOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the documents, passages and embedding model of an index."""
    from index.build import ensure_default_index, splits_as_now
    from index.store import read_manifest

    folder = index or _guard(ensure_default_index)
    m = _guard(read_manifest, folder)
    if as_json:
        typer.echo(json.dumps(asdict(m), indent=1))
        return
    typer.echo(f"index: {folder}\nbuilt: {m.built_at}\nmodel: {m.embedding_model} ({m.dimension}-d)\npassages: {m.passages}")
    for d in m.documents:
        typer.echo(f"  {d.doc_id}: {d.chars:,} chars, {d.passages} passages, sha256 {d.sha256[:12]}")
    if not splits_as_now(m):
        typer.echo(f"an older docqa split this index into passages; `docqa index upgrade --index {folder}` rebuilds it from its documents")


def _one_source(index: Path | None, shards: list[str] | None) -> None:
    """Refuse --index with --shard: an answer comes from one index or from shards."""
    if index is not None and shards:
        _fail("give --index FOLDER or --shard ..., not both")


def _answerer(index: Path | None, shards: list[str] | None):
    """answer(), or answer_across() the shards when --shard was given (not with --index)."""
    _one_source(index, shards)
    if not shards:
        from qa import answer

        return lambda question, **kw: answer(question, index=index, **kw)
    from qa.shards import answer_across

    return lambda question, **kw: answer_across(question, shards, **kw)


def _where(ev) -> str:
    """The document, its page when it has pages, and the passage of a piece of evidence."""
    from index.formats import page_word

    word = page_word(ev.doc_id)
    page = "" if ev.page is None else f" {'p.' if word == 'page' else word} {ev.page}"
    return f"{ev.doc_id}{page} #{ev.passage_id}"


def _show(result, as_json: bool) -> None:
    for missing in result.missing:
        typer.secho(f"warning: a shard did not answer, its documents were not searched: {missing}", err=True, fg=typer.colors.YELLOW)
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=1, ensure_ascii=False))
        return
    if not result.found:
        typer.echo("The document does not say.")
        if result.closest:
            shard = f" on {result.shard}" if result.shard else ""
            typer.echo(f"  closest passage ({_where(result.closest)}{shard}): {result.closest.sentence}")
        return
    name = f" ({result.name})" if result.name else ""
    shard = f"   from {result.shard}" if result.shard else ""
    typer.echo(f"{result.text}{name}   [score {result.score:.2f}]{shard}")
    for ev in result.evidence:
        role = f"{ev.role}: " if ev.role != "answer" else ""
        typer.echo(f"  {role}{_where(ev)} chars {ev.start}-{ev.end}: {ev.sentence}")
    if result.alternatives:
        typer.echo("  also: " + "; ".join(f"{a.text} ({a.score:.2f})" for a in result.alternatives))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question, in quotes")],
    index: IndexOpt = None,
    shard: ShardOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the Answer as JSON")] = False,
    top_k: Annotated[int | None, typer.Option(help="passages to retrieve (default: answer()'s, as in the app)", min=1)] = None,
) -> None:
    """Answer one question. Exit 0 with an answer or "the document does not say"; 2 on bad input."""
    _show(_guard(_answerer(index, shard), question, **({"top_k": top_k} if top_k else {})), as_json)


def _questions():
    """Questions from a pipe (every non-blank line), or from a prompt until an empty line or Ctrl-D."""
    if not sys.stdin.isatty():
        yield from (line.strip() for line in sys.stdin if line.strip())
        return
    while True:
        try:
            line = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            return
        if not line:
            return
        yield line


@app.command()
def chat(index: IndexOpt = None, shard: ShardOpt = None) -> None:
    """Ask questions one after another; follow-ups ("where did he go?") use the conversation so far.
    Exits 2 if a question was refused as bad input, or at once when the index cannot be read."""
    from index.errors import DocqaError

    answer = _answerer(index, shard)

    history: list[tuple[str, str]] = []
    failed = False
    if sys.stdin.isatty():
        typer.echo("Ask about the document (empty line or Ctrl-D to quit).")
    for question in _questions():
        try:
            result = answer(question, history=history)
        except DocqaError as err:  # the index: no later question can do better
            _fail(str(err))
        except (ValueError, TypeError) as err:
            typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
            failed = True
            continue
        _show(result, False)
        history.append((question, result.text))
    if failed:
        raise typer.Exit(BAD_INPUT)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port", min=1, max=65535)] = 7860,
    index: IndexOpt = None,
    shard: ShardOpt = None,
    replicas: Annotated[int, typer.Option(min=1, help="server processes behind HAProxy (pip install 'docqa[ray]')")] = 1,
) -> None:
    """Start the web app and the JSON API (default http://127.0.0.1:7860), over an index or, with
    --shard, across shards: this server is then the front that asks them all."""
    import socket

    _one_source(index, shard)
    if shard and replicas > 1:
        _fail("--replicas runs copies of one index's server; a front over --shard runs alone (start replicas of each shard instead)")

    with socket.socket() as probe:  # Gradio would fail later, with a traceback
        try:
            probe.bind((host, port))
        except OSError as err:
            _fail(f"cannot listen on {host}:{port} ({err.strerror}); is another server running there? choose another --port")
    if replicas > 1:
        from index.build import ensure_default_index
        from ui.replicas import serve_replicas

        _guard(serve_replicas, host, port, (index or _guard(ensure_default_index)).resolve(), replicas)
        return
    from ui.app import launch

    _guard(launch, host=host, port=port, index_dir=index, shards=shard)


@app.command("eval")
def evaluate_cmd(
    file: Annotated[Path, typer.Argument(help="a SQuAD-format JSON file")],
    part: Annotated[str | None, typer.Option(help="train, dev or test part of splits.json (default: the whole file)")] = None,
    limit: Annotated[int | None, typer.Option(help="only the first N questions")] = None,
    end_to_end: Annotated[bool, typer.Option("--end-to-end", help="index each article and ask through answer()")] = False,
    model: Annotated[Path | None, typer.Option(help="reader folder (default: the shipped one)")] = None,
    threshold: Annotated[
        float | None, typer.Option(help="answer when P(right) >= this; 0 always answers (SQuAD v1.1 protocol); default: answer()'s")
    ] = None,
    int8: Int8Opt = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """EM and F1 (overall, answerable, unanswerable) and latency of the reader on a SQuAD file."""
    from qa.reader import Reader
    from qa.training.evaluate import NO_ANSWER, evaluate
    from qa.training.squad import load_examples

    if end_to_end and threshold is not None:
        _fail("--threshold is for the reader alone; end to end, answer() answers at its reader's own threshold")
    examples = _guard(load_examples, file, part)
    examples = examples[:limit] if limit else examples
    if not examples:
        _fail(f"no questions in {file}" + (f" for part {part}" if part else ""))
    if end_to_end:
        from qa.training.e2e import evaluate_end_to_end

        # answer() takes its reader from the environment (qa.reader.shared_reader)
        if model is not None:
            os.environ["DOCQA_READER_DIR"] = str(model)
        if not int8:
            os.environ["DOCQA_READER"] = "fp32"

        figures = evaluate_end_to_end(examples)
    else:
        figures = evaluate(Reader.load(model, quantize=int8), examples, threshold=threshold)
    if as_json:
        typer.echo(json.dumps(asdict(figures)))
        return
    mode = "end-to-end (retrieve + read)" if end_to_end else "reader with the gold paragraph"
    mode += f", answering at P(right) >= {threshold}" if threshold is not None and not end_to_end else ""
    mode += "" if end_to_end else (", int8" if int8 else ", fp32")
    typer.echo(f"{file.name} [{part or 'all'}], {mode}, {figures.n} questions")
    typer.echo(f"  EM {figures.em:.1f}  F1 {figures.f1:.1f}")
    if figures.has_ans_f1 is not None:
        typer.echo(f"  HasAns F1 {figures.has_ans_f1:.1f} ({figures.has_ans_n}), {figures.refused:.1f}% of them refused")
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


DataDirOpt = Annotated[Path | None, typer.Option(help="SQuAD data folder with splits.json (default: ../shared/data/squad)")]
OtherParagraphOpt = Annotated[
    float, typer.Option(help="share of answerable questions also shown, as unanswerable, with another paragraph of their article")
]
AnswerRemovedOpt = Annotated[
    float, typer.Option(help="share of answerable questions also shown, as unanswerable, without their answer's sentences")
]
WorkersOpt = Annotated[int | None, typer.Option(help="processes that tokenize (default: one per core)")]
MaxRefusedOpt = Annotated[
    float | None,
    typer.Option(help="the most answerable dev questions the threshold may refuse, in percent (default: no cap)", min=0, max=100),
]


@reader_app.command("prepare")
def reader_prepare(
    out: Annotated[Path, typer.Option(help=".npz file of the windows")] = Path("runs/windows.npz"),
    other_paragraph: OtherParagraphOpt = 0.0,
    answer_removed: AnswerRemovedOpt = 0.0,
    seed: Annotated[int, typer.Option(help="seed of the negatives drawn")] = 13,
    data_dir: DataDirOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Tokenize the train part and its negatives once, for runs that share them (`reader train --windows`)."""
    from qa.reader import MODEL_DIR
    from qa.training.squad import load_part
    from qa.training.train_data import prepare_windows

    examples = load_part("train", data_dir)
    windows = prepare_windows(examples, MODEL_DIR / "tokenizer.json", other_paragraph, answer_removed, seed, workers=workers)
    windows.save(out)
    typer.echo(f"{len(windows)} windows of {len(windows.kind)} questions and negatives in {out}")


@reader_app.command("train")
def reader_train(
    out: Annotated[Path, typer.Option(help="run folder: checkpoints, metrics, final model")] = Path("runs/reader"),
    max_steps: Annotated[int, typer.Option(help="optimizer steps")] = 900,
    time_limit: Annotated[float, typer.Option(help="seconds of steps: the schedule ends at this or max_steps, whichever is first")] = 0.0,
    batch_size: Annotated[int, typer.Option(help="windows per step")] = 32,
    seed: Annotated[int, typer.Option()] = 13,
    learning_rate: Annotated[float, typer.Option(help="peak learning rate")] = 1e-4,
    warmup: Annotated[float, typer.Option(help="share of the run spent warming up")] = 0.1,
    init_from: Annotated[Path | None, typer.Option(help="a saved reader to go on training instead of the base model")] = None,
    windows: Annotated[Path | None, typer.Option(help="windows from `docqa reader prepare` (default: tokenize the train part now)")] = None,
    ambiguous: Annotated[
        str, typer.Option(help="an answer whose start was guessed: keep the guess, accept any candidate start, or drop the question")
    ] = "keep",
    unanswerable_repeat: Annotated[int, typer.Option(help="times each window of an unanswerable question is seen per epoch")] = 1,
    other_paragraph: OtherParagraphOpt = 0.0,
    answer_removed: AnswerRemovedOpt = 0.0,
    device: Annotated[str, typer.Option(help="auto (a GPU when torch sees one), cpu, cuda or cuda:N")] = "auto",
    bf16: Annotated[
        bool | None, typer.Option("--bf16/--fp32", help="steps under bf16 autocast (default: on a GPU only; a CPU with AMX gains too)")
    ] = None,
    checkpoint_every: Annotated[int, typer.Option(help="steps between checkpoints")] = 100,
    eval_every: Annotated[int, typer.Option(help="steps between dev-sample evaluations (0: none)")] = 250,
    max_refused: MaxRefusedOpt = None,
    data_dir: DataDirOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Fine-tune the reader on the train part; rerun the same command to resume after an interruption."""
    import logging

    from qa.training.train import TrainConfig, train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cfg = TrainConfig(
        out_dir=out,
        max_steps=max_steps,
        time_limit=time_limit,
        batch_size=batch_size,
        seed=seed,
        learning_rate=learning_rate,
        warmup=warmup,
        init_from=init_from,
        windows=windows,
        ambiguous=ambiguous,
        unanswerable_repeat=unanswerable_repeat,
        other_paragraph=other_paragraph,
        answer_removed=answer_removed,
        device=device,
        bf16=bf16,
        checkpoint_every=checkpoint_every,
        eval_every=eval_every,
        max_refused=max_refused,
        data_dir=data_dir,
        workers=workers,
    )
    typer.echo(f"final model: {_guard(train, cfg)}")


@reader_app.command("average")
def reader_average(
    folders: Annotated[list[Path], typer.Argument(help="two or more reader folders of one model, e.g. two ends of a training path")],
    out: Annotated[Path, typer.Option(help="folder for the averaged reader (replaced if it exists)")],
) -> None:
    """Average the weights of readers; calibrate the result with `docqa reader calibrate` before using it."""
    from qa.training.average import average_readers

    typer.echo(f"averaged {len(folders)} readers into {_guard(average_readers, folders, out)}")


@reader_app.command("calibrate")
def reader_calibrate(
    model: Annotated[Path, typer.Argument(help="reader folder to calibrate (calibration.json is written there)")],
    int8: Int8Opt = True,
    answerable_weight: Annotated[
        float | None,
        typer.Option(help="weight of dev's answerable questions against its unanswerable ones (1: plain SQuAD 2.0 dev F1) [default: 4]"),
    ] = None,
    max_refused: MaxRefusedOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the fit as JSON: the calibration and its dev figures")] = False,
) -> None:
    """Fit the no-answer probability and the threshold answer() uses on the dev part."""
    from qa.reader import Reader
    from qa.training.calibrate import ANSWERABLE_WEIGHT, calibrate
    from qa.training.evaluate import read_all
    from qa.training.squad import load_part

    answerable_weight = ANSWERABLE_WEIGHT if answerable_weight is None else answerable_weight
    dev = load_part("dev")
    readings, _ = read_all(Reader.load(model, quantize=int8), dev)  # margins do not depend on the old calibration
    fit = calibrate(dev, readings, answerable_weight, max_refused)
    (model / "calibration.json").write_text(json.dumps(asdict(fit.calibration), indent=1))
    if as_json:
        typer.echo(json.dumps({**asdict(fit), "questions": len(dev)}))
        return
    typer.echo(
        f"{fit.calibration}\ndev ({len(dev)} questions): F1 {fit.f1:.2f}, weighted F1 {fit.weighted_f1:.2f} "
        f"(answerable x{answerable_weight:g}), answerable questions refused {fit.refused:.1f}% "
        f"({fit.refused_count} of {fit.answerable})"
    )


def main() -> None:
    app()
