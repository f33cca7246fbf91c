"""With the real model: the sample report's metadata questions answer from its byline and date line."""
from __future__ import annotations

import pytest

from app.answer.verify import verify

pytestmark = pytest.mark.model


@pytest.mark.parametrize("question, line", [
    ("Who wrote the report?", "Frank Aum and Ankit Panda"),
    ("Who are the authors?", "Frank Aum and Ankit Panda"),
    ("When was the report published?", "8 May 2025"),
])
def test_sample_report_metadata_questions_cite_the_front_matter(real_sample_api, question, line):
    ans = real_sample_api.ask(question)
    verify(ans, real_sample_api.doc_text)
    assert not ans.abstained and [c.text for c in ans.citations] == [line]
    assert real_sample_api.cite(ans.citations[0].citation).text == line
