"""The table of example questions about the default article, with today's answers.

Prints the table and rewrites it in docs/benchmarks.md between the `examples` markers.
"""

from __future__ import annotations

from pathlib import Path

from qa import answer

PAGE = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
START, END = "<!-- examples:start -->", "<!-- examples:end -->"
QUESTIONS = [
    ("Who refused to meet whom?", None),
    ("Who is Ukraine's foreign minister?", None),
    ("Where will Kerry meet Lavrov tomorrow?", None),
    ("How much financial aid did the EU offer Ukraine?", None),
    ("Who is the UN special envoy?", None),
    ("Where did he fly to?", "Who is the UN special envoy?"),
    ("Who spoke by phone with whom?", None),
    ("Where did NATO meet?", None),
    ("When was Mr Yanukovych ousted?", None),
    ("How many Ukrainians will have their assets frozen?", None),
    ("Who is the president of Brazil?", None),
]


def table() -> str:
    rows = ["| question | answer | score | evidence |", "|---|---|---|---|"]
    for question, previous in QUESTIONS:
        history = [(previous, answer(previous).text)] if previous else None
        a = answer(question, history=history)
        shown = a.text or "*(the document does not say)*"
        if a.name:
            shown += f" ({a.name})"
        evidence = " / ".join(e.sentence for e in a.evidence) or (f"closest: {a.closest.sentence}" if a.closest else "")
        label = f"{question} *(after: {previous})*" if previous else question
        rows.append(f"| {label} | {shown} | {a.score:.2f} | {evidence.replace('|', '/')} |")
    return "\n".join(rows)


def main() -> None:
    text = table()
    print(text)
    page = PAGE.read_text(encoding="utf-8")
    if START not in page or END not in page:
        raise SystemExit(f"docs/benchmarks.md has lost its {START} / {END} markers: put them around the table, then rerun")
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    PAGE.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
