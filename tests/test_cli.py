"""The `docqa` command as a user runs it: a real process, real exit codes."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STORY_TEXT = "The Harbour Museum of Valmora opened in 1987 in a former grain warehouse beside the old docks.\n"


def docqa(*args: str, stdin: str | None = None, home: Path | None = None) -> subprocess.CompletedProcess:
    """Run `docqa ARGS`; `home` gives it a DOCQA_HOME of its own (its default index, its sessions)."""
    env = os.environ | ({"DOCQA_HOME": str(home)} if home else {})
    return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True, cwd=ROOT, input=stdin, timeout=300, env=env)


def test_build_info_ask_and_add(tmp_path):
    doc = tmp_path / "lighthouse.txt"
    doc.write_text("The Skerry Light was built in 1858 by the engineer Alan Stevenson.\n", encoding="utf-8")
    out = docqa("index", "build", str(doc), "--index", str(tmp_path / "ix"), "--quiet")
    assert out.returncode == 0 and "built; 1 document(s), 1 passages" in out.stdout
    again = docqa("index", "build", str(doc), "--index", str(tmp_path / "ix"), "--quiet")
    assert "unchanged" in again.stdout

    info = json.loads(docqa("index", "info", "--index", str(tmp_path / "ix"), "--json").stdout)
    assert info["documents"][0]["doc_id"] == "lighthouse.txt" and info["embedding_model"].endswith("all-MiniLM-L6-v2")

    result = docqa("ask", "Who built the Skerry Light?", "--index", str(tmp_path / "ix"), "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["text"].endswith("Alan Stevenson")  # with or without "the engineer"

    second = tmp_path / "penguins.txt"
    second.write_text("Emperor penguins breed during the Antarctic winter.\n", encoding="utf-8")
    assert docqa("index", "add", str(second), "--index", str(tmp_path / "ix"), "-q").returncode == 0
    assert "penguins.txt" in docqa("index", "info", "--index", str(tmp_path / "ix")).stdout


def test_a_folder_is_built_from_the_documents_under_it(tmp_path):
    """Every file docqa reads, at any depth, named by its path inside the folder (two README.md do not
    clash); files of other types are said to be left out; hidden folders are not looked into."""
    docs = tmp_path / "docs"
    (docs / "harbour").mkdir(parents=True)
    (docs / "lights").mkdir()
    (docs / ".git").mkdir()
    (docs / "harbour" / "README.md").write_text("# Harbour\n\n" + STORY_TEXT, encoding="utf-8")
    (docs / "lights" / "README.md").write_text("The Skerry Light was built in 1858 by the engineer Alan Stevenson.\n", encoding="utf-8")
    (docs / "lights" / "map.png").write_bytes(b"\x89PNG\r\n")
    (docs / ".git" / "notes.txt").write_text("not a document of the collection", encoding="utf-8")
    out = docqa("index", "build", str(docs), "--index", str(tmp_path / "ix"), "-q")
    assert out.returncode == 0 and "built; 2 document(s)" in out.stdout
    assert f"left out 1 file(s) of other types in the folders: {docs / 'lights' / 'map.png'}" in out.stdout
    info = json.loads(docqa("index", "info", "--index", str(tmp_path / "ix"), "--json").stdout)
    assert [d["doc_id"] for d in info["documents"]] == ["harbour/README.md", "lights/README.md"]
    asked = docqa("ask", "Who built the Skerry Light?", "--index", str(tmp_path / "ix"))
    assert "Alan Stevenson" in asked.stdout and "lights/README.md #0" in asked.stdout

    (docs / "lights" / "README.md").write_bytes(b"caf\xe9")  # a bad file in the folder: nothing is built
    bad = docqa("index", "build", str(docs), "--index", str(tmp_path / "ix"), "-q")
    assert bad.returncode == 2 and "lights/README.md: is not UTF-8 text" in bad.stderr
    assert "Alan Stevenson" in docqa("ask", "Who built the Skerry Light?", "--index", str(tmp_path / "ix")).stdout
    skipping = docqa("index", "build", str(docs), "--index", str(tmp_path / "ix"), "-q", "--skip-unreadable")
    assert skipping.returncode == 0 and "built; 1 document(s)" in skipping.stdout
    assert f"left out, cannot be read: {docs / 'lights' / 'README.md'}: is not UTF-8 text" in skipping.stderr
    (docs / "harbour" / "README.md").write_bytes(b"")
    none_left = docqa("index", "build", str(docs), "--index", str(tmp_path / "ix"), "-q", "--skip-unreadable")
    assert none_left.returncode == 2 and "no documents could be read" in none_left.stderr
    (tmp_path / "empty").mkdir()
    nothing = docqa("index", "build", str(tmp_path / "empty"), "--index", str(tmp_path / "ix2"), "-q")
    assert nothing.returncode == 2 and "no documents docqa reads in this folder" in nothing.stderr


def test_parts_of_a_folder_split_it_among_machines(tmp_path):
    """Each of N machines builds its part of one collection (`--part K/N`) without talking to the others:
    the parts share no document and together hold them all, and a front over them answers from any."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for k in range(8):
        (docs / f"pier-{k}.txt").write_text(f"Pier {k} of Valmora was rebuilt in {1900 + k} by crew number {k}.\n", encoding="utf-8")
    names = []
    for k in (1, 2):
        out = docqa("index", "build", str(docs), "--part", f"{k}/2", "--index", str(tmp_path / f"shard-{k}"), "-q")
        assert out.returncode == 0, out.stderr
        info = json.loads(docqa("index", "info", "--index", str(tmp_path / f"shard-{k}"), "--json").stdout)
        names.append({d["doc_id"] for d in info["documents"]})
    assert names[0] and names[1] and not names[0] & names[1] and names[0] | names[1] == {f"pier-{k}.txt" for k in range(8)}
    shards = ["--shard", str(tmp_path / "shard-1"), "--shard", str(tmp_path / "shard-2")]
    for k in (0, 7):
        assert str(1900 + k) in docqa("ask", f"When was Pier {k} of Valmora rebuilt?", *shards).stdout
    bad = docqa("index", "build", str(docs), "--part", "3/2", "--index", str(tmp_path / "shard-3"))
    assert bad.returncode == 2 and "--part takes K/N" in bad.stderr
    (docs / "pier-8.txt").write_text("Pier 8 of Valmora was rebuilt in 1908 by crew number 8.\n", encoding="utf-8")
    for k in (1, 2):  # a new document joins the part it hashes to, and only that one
        assert docqa("index", "add", str(docs), "--part", f"{k}/2", "--index", str(tmp_path / f"shard-{k}"), "-q").returncode == 0
    holders = [k for k in (1, 2) if "pier-8.txt" in docqa("index", "info", "--index", str(tmp_path / f"shard-{k}")).stdout]
    assert len(holders) == 1


def test_upgrade_rebuilds_an_index_of_an_older_format_from_its_documents(tmp_path):
    from index import build_index
    from index.store import live_generation

    build_index(["The Skerry Light was built in 1858.\n"], tmp_path / "ix")
    manifest_path = live_generation(tmp_path / "ix") / "manifest.json"
    manifest_path.write_text(json.dumps({**json.loads(manifest_path.read_text()), "format_version": 1}))
    refused = docqa("ask", "When was the Skerry Light built?", "--index", str(tmp_path / "ix"))
    assert refused.returncode == 2 and "docqa index upgrade" in refused.stderr
    assert docqa("index", "upgrade", "--index", str(tmp_path / "ix"), "-q").stdout.endswith("built; 1 document(s), 1 passages\n")
    assert "1858" in docqa("ask", "When was the Skerry Light built?", "--index", str(tmp_path / "ix")).stdout
    assert "unchanged" in docqa("index", "upgrade", "--index", str(tmp_path / "ix"), "-q").stdout


def test_no_answer_exits_zero_and_says_so(story_index):
    out = docqa("ask", "What is the population of Valmora?", "--index", str(story_index))
    assert out.returncode == 0
    assert "does not say" in out.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("ask", "   "),
        ("ask", "x" * 1001),
        ("index", "build", "/nonexistent/file.txt", "--index", "/tmp/docqa-never-built"),
        ("index", "info", "--index", "/nonexistent/index"),
        ("index", "build", str(ROOT / "README.md"), "--index", str(ROOT / "pyproject.toml")),  # a file, not a folder
        ("index", "build", str(ROOT / "README.md"), "--index", str(ROOT / "docs")),  # a folder of other files
        ("chat", "--index", "/nonexistent/index"),
        ("eval", str(ROOT / "README.md"), "--end-to-end", "--threshold", "0.5"),  # answer() keeps its own threshold
    ],
)
def test_bad_input_exits_2_with_a_message(args):
    out = docqa(*args, stdin="Who built it?\n")
    assert out.returncode == 2
    assert out.stderr.startswith("error:") and "Traceback" not in out.stderr


def test_binary_file_is_refused_by_name(tmp_path):
    blob = tmp_path / "photo.txt"
    blob.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    out = docqa("index", "build", str(blob), "--index", str(tmp_path / "ix"))
    assert out.returncode == 2 and "photo.txt" in out.stderr and "binary" in out.stderr


def test_chat_keeps_history_for_follow_ups(story_index):
    out = docqa("chat", "--index", str(story_index), stdin="Who is the leader of the harbour union?\nWhere did she fly to?\n")
    assert out.returncode == 0
    assert "Agnes Holt" in out.stdout and "Oslo" in out.stdout


def test_writing_the_default_index_is_explicit_and_reversible(tmp_path):
    doc = tmp_path / "lighthouse.txt"
    doc.write_text("The Skerry Light was built in 1858 by the engineer Alan Stevenson.\n", encoding="utf-8")
    home = tmp_path / "home"
    refused = docqa("index", "build", str(doc), home=home)
    assert refused.returncode == 2 and "--index FOLDER, or --default" in refused.stderr and not (home / "index").exists()
    assert docqa("index", "build", str(doc), "--default", "-q", home=home).returncode == 0
    assert "Alan Stevenson" in docqa("ask", "Who built the Skerry Light?", home=home).stdout
    assert docqa("index", "reset", "--default", "-q", home=home).returncode == 0
    assert "article.txt" in docqa("index", "info", home=home).stdout
    assert "Rome" in docqa("ask", "Where will Kerry meet Lavrov tomorrow?", home=home).stdout


def test_piped_chat_skips_blank_lines_and_exits_2_after_a_bad_question(story_index):
    questions = "When did the Harbour Museum open?\n\n" + "x" * 1001 + "\nWho founded the museum?\n"
    out = docqa("chat", "--index", str(story_index), stdin=questions)
    assert out.returncode == 2
    assert "1987" in out.stdout and "Ines Calder" in out.stdout
    assert out.stderr.count("error:") == 1 and "Traceback" not in out.stderr


def test_serve_on_a_busy_or_impossible_port_says_so_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        out = docqa("serve", "--port", str(busy.getsockname()[1]))
    assert out.returncode == 2 and out.stderr.startswith("error: cannot listen on 127.0.0.1:") and "Traceback" not in out.stderr
    out = docqa("serve", "--port", "99999")
    assert out.returncode == 2 and "less than or equal to 65535" in out.stderr and "Traceback" not in out.stderr


def test_help_shows_flags_as_flags():
    out = docqa("eval", "--help")
    assert out.returncode == 0 and "--end-to-end" in out.stdout and "<bool>" not in out.stdout
