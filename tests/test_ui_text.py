"""Fast checks behind the chat UI: escaping once, short-answer spans, front-matter answers, follow-ups, Cite helpers."""
from __future__ import annotations

import html

import pytest


def test_esc_escapes_each_character_once_and_neutralises_math_and_markdown():
    from app.web.html import esc

    out = esc("Ulta Beauty's $$x^2$$ <b>&amp;</b> *a* _b_ [1]")
    assert "&#x27;" not in out and "&&#" not in out and "$" not in out and "<" not in out
    assert html.unescape(out) == "Ulta Beauty's $$x^2$$ <b>&amp;</b> *a* _b_ [1]"


@pytest.mark.parametrize("question, sentence, expected", [
    ("Where was the second summit held?",
     "the historic second U.S.–North Korea leader-level summit meeting in Hanoi, Vietnam, in February 2019.",
     "Hanoi, Vietnam"),
    ("How many new stores did Ulta open?", "In fiscal 2022, the company opened 47 new stores.", "47"),
    ("How many new stores did Ulta open?", "Net sales grew in fiscal 2022, as expected.", None),
    ("When did North Korea break off talks?", "In October 2019, North Korea broke off talks.", "October 2019"),
    ("Where was the summit held?", "The U.S.–North Korea summit failed.", None),
    ("Which leader has Kim forged a partnership with?", "Kim has forged it with Russian President Vladimir Putin.",
     "Russian President Vladimir Putin"),
])
def test_short_answer_is_a_whole_span_of_the_expected_type_or_nothing(question, sentence, expected):
    from app.answer.qtypes import question_type, short_answer_spans

    spans = short_answer_spans(question_type(question), sentence, question)
    assert [sentence[a:b] for a, b in spans] == ([expected] if expected else [])


def test_metadata_questions_answer_from_the_front_matter_with_a_citation(fake_api):
    from app.answer.frontmatter import metadata_kind

    assert metadata_kind("Who wrote the letter to Kim?") is None
    assert metadata_kind("When was the summit held?") is None
    for q, text in [("Who wrote the report?", "Frank Aum and Ankit Panda"),
                    ("Who are the authors?", "Frank Aum and Ankit Panda"),
                    ("When was the report published?", "8 May 2025")]:
        ans = fake_api.ask(q)
        assert not ans.abstained and ans.citations[0].text == text and ans.answer == f"{text} [1]"
        assert fake_api.cite(ans.citations[0].citation).text == text  # the id resolves to the byline/date


def test_follow_up_is_never_worse_than_the_question_alone(fake_api):
    api = fake_api
    api.settings = api.settings.with_(threshold=0.0)
    alone = api.ask("What happened in Hanoi?")
    after = api.ask("What happened in Hanoi?", history=["Who won the FIFA World Cup in 2018?"])
    assert not alone.abstained and not after.abstained
    assert after.confidence >= alone.confidence - 1e-9
    assert api.ask("Who won the FIFA World Cup in 2018?", history=["What happened in Hanoi?"]).abstained


def test_cite_helpers_snap_words_and_recognise_ids():
    from app.web.ui.cite import looks_like_id, snap_to_words

    text = "the United States and"
    assert text[slice(*snap_to_words(text, 5, 12))] == "United States"  # "nited S" widened to whole words
    assert snap_to_words(text, 4, 10) == (4, 10)  # already whole
    assert looks_like_id("abc-1-2") and looks_like_id("c3d464ac5446-0-٣x1") and not looks_like_id("a quote here")
    assert not looks_like_id("well-known-fact")


def test_lookup_reports_a_malformed_id_instead_of_searching_it(fake_api):
    from app.web.ui.cite import lookup

    out = lookup(fake_api, "abc-1-2")
    assert "not a valid citation id" in html.unescape(out) and "Not found" not in out


def test_examples_follow_the_corpus(fake_api, tmp_path, fake_embedder):
    from app.api import GroundQA
    from app.web.ui.examples import SAMPLE_EXAMPLES, corpus_examples

    assert corpus_examples(fake_api) == SAMPLE_EXAMPLES
    doc = tmp_path / "own" / "bees.txt"
    doc.parent.mkdir()
    doc.write_text("Hive Notes\n\nWintering\n\nThe Buckfast Abbey bees winter in insulated hives.\n", encoding="utf-8")
    own = GroundQA(tmp_path / "own-index", embedder=fake_embedder)
    own.index([doc])
    qs = corpus_examples(own)
    assert qs and not set(qs) & set(SAMPLE_EXAMPLES) and any("wintering" in q for q in qs)
