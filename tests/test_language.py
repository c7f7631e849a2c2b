"""The rule-based pieces around the reader: follow-up pronouns, relation questions, names."""

from index.build import DEFAULT_DOCUMENT
from qa.followup import resolve
from qa.names import counterpart_name, name_behind, possessor_start, qualifies, role_mentions
from qa.relations import parse_relation
from qa.roles import role_asked

ARTICLE = DEFAULT_DOCUMENT.read_text(encoding="utf-8")


def test_pronouns_resolve_to_the_latest_answer():
    history = [("Who is the UN special envoy?", "Robert Serry")]
    assert resolve("Where did he fly to?", history) == "Where did Robert Serry fly to?"
    assert resolve("What is her job?", [("Who?", "Jane Doe")]) == "What is Jane Doe's job?"
    assert resolve("Who did she meet?", [("q", "Agnes Holt"), ("q2", "")]) == "Who did Agnes Holt meet?"
    assert (
        resolve("Where did he go?", [("Who refused to meet whom?", "Sergei Lavrov -> Andriy Deshchitsya")])
        == "Where did Andriy Deshchitsya go?"
    )
    assert resolve("Where did he fly to?", None) == "Where did he fly to?"
    assert resolve("Where is Paris?", history) == "Where is Paris?"


def test_relation_questions_split_into_two_slots():
    rel = parse_relation("Who spoke by phone with whom?")
    assert rel is not None
    assert rel.object_question("Barack Obama") == "Barack Obama spoke by phone with whom?"
    assert rel.anchor.search("President Barack Obama spoke by phone").group(0) == "spoke"
    assert parse_relation("Who refused to meet whom?").anchor.search("he refuses to").group(0) == "refuses"
    assert parse_relation("Who is Lavrov?") is None
    assert parse_relation("Who followed Matt Smith in the role of Doctor Who?") is None
    assert parse_relation("What did Russia do?") is None


def test_names_behind_surnames_and_roles():
    assert name_behind(ARTICLE, "Mr Lavrov") == "Sergei Lavrov"
    assert name_behind(ARTICLE, "Obama") == "Barack Obama"
    assert name_behind(ARTICLE, "Russia's foreign minister") == "Sergei Lavrov"
    assert name_behind(ARTICLE, "Dutch diplomat") == "Robert Serry"
    assert name_behind(ARTICLE, "Robert Serry") == ""
    assert name_behind(ARTICLE, "NATO") == ""
    assert name_behind(ARTICLE, "the engineer Alan Stevenson") == "Alan Stevenson"
    assert name_behind(ARTICLE, "former president Barack Obama") == "Barack Obama"
    assert name_behind(ARTICLE, "the Bank of England") == ""
    assert name_behind(ARTICLE, "US Secretary of State John Kerry") == ""
    assert name_behind(ARTICLE, "John Kerry") == ""  # not "State John Kerry"
    assert name_behind(ARTICLE, "Kerry") == "John Kerry"
    assert name_behind("Prime Minister John Major spoke. Mr Major left.", "Mr Major") == "John Major"
    end = ARTICLE.index("Ukrainian counterpart") + len("Ukrainian")
    assert counterpart_name(ARTICLE, "Ukrainian", end, "Russia's foreign minister") == "Andriy Deshchitsya"
    assert counterpart_name(ARTICLE, "his Ukrainian counterpart", end + 12, "Russia's foreign minister") == "Andriy Deshchitsya"
    assert counterpart_name(ARTICLE, "Ukrainian", end, "Sergei Lavrov") == ""


def test_a_span_takes_in_the_possessor_before_it():
    text = "Moscow and Washington are at odds and Russia\u2019s foreign minister refused"
    assert text[possessor_start(text, text.index("foreign")) :].startswith("Russia\u2019s foreign minister")
    assert possessor_start(text, text.index("Washington")) == text.index("Washington")  # "and" is no possessor
    assert possessor_start("the minister's aide", 15) == 15  # a lower-case word: not a named possessor


def test_role_questions_name_a_qualified_role():
    assert role_asked("Who is Russia's foreign minister?") == ("Russia", "foreign minister")
    assert role_asked("Who was the Ukrainian Foreign Minister?") == ("Ukrainian", "Foreign Minister")
    assert role_asked("Who is the US Secretary of State?") == ("US", "Secretary of State")
    # a name, an unqualified role, or more than a role: not a role question
    assert [role_asked(q) for q in ("Who is Mr Yanukovych?", "Who is the foreign minister?", "Who met Russia's foreign minister?")] == [
        None
    ] * 3
    mentions = list(role_mentions(ARTICLE, "foreign minister"))
    assert [(m.before, m.name) for m in mentions] == [("Russian", "Sergei Lavrov"), ("Ukrainian", "Andriy Deshchitsya")]
    assert ARTICLE[mentions[0].start : mentions[0].end] == "Sergei Lavrov"
    assert [qualifies("Russia's", m.before) for m in mentions] == [True, False]
