"""transforms.article: the per-record recipe, on the seed golden and on crafted records."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import pytest

from tests.conftest import SEED
from transforms import cleaning
from transforms.article import RecordContext, clean_record, read_fields, read_text
from transforms.fields import SourceConfig
from transforms.fingerprints import fingerprint
from transforms.records import Article, RawRecord, Reject, count_words

SEED_TITLE = "\u2018Difficult\u2019 Russia-Ukraine peace talks end without breakthrough"
AG_NEWS = SourceConfig(name="ag-news", fix_lost_entities=True, backslash_line_breaks=True)


def seed_article() -> Article:
    record = RawRecord(str(SEED), None, SEED.read_bytes())
    article = clean_record(record, RecordContext("samples", "txt", SourceConfig(), relpath=SEED.name))
    assert isinstance(article, Article)
    return article


def fields_record(config: SourceConfig | None = None, **fields: object) -> Article | Reject:
    config = config or SourceConfig()
    record = RawRecord("in.jsonl", "line:1", b"{}", kind="fields", fields=dict(fields))
    return clean_record(record, RecordContext(None, "jsonl", config))


def test_seed_golden():
    article = seed_article()
    values = article.values
    assert values["title"] == SEED_TITLE
    assert values["authors"] == ["Anthony Solly"] and values["agency"] is None
    assert values["article_id"] == "55b8b0661dcc7d75a0cd"
    assert values["content_hash"] == "ab57e336150c480da2836d488557f398"
    assert (values["paragraph_count"], values["word_count"], values["char_count"]) == (19, 498, 3185)
    assert (values["encoding"], values["encoding_method"], values["fixes"]) == ("utf-8", "utf-8", [])
    assert (values["language"], values["source"]) == ("en", "samples")
    removed = [(p.position, p.status, p.repeat_of, p.reason) for p in article.paragraphs if p.status != "kept"]
    assert removed == [(14, "repeat", 0, "repeats paragraph 0"), (20, "byline", None, "byline: moved to authors")]
    assert len(article.paragraphs) == 21
    kept = [p for p in article.paragraphs if p.status == "kept"]
    assert values["body"] == "\n\n".join(p.text for p in kept)


def test_word_count_is_the_sum_over_kept_paragraphs():
    article = seed_article()
    kept = [p for p in article.paragraphs if p.status == "kept"]
    assert article.values["word_count"] == sum(p.word_count for p in kept) == count_words(article.values["body"])
    assert all(p.word_count == len(p.text.split(" ")) for p in article.paragraphs)


def test_fingerprint_is_the_last_step():
    article = seed_article()
    assert article.signature == fingerprint(article.values["body"])
    assert article.signature.bands[:2] == (1538912489429733776, -4502997806910106631)
    # No body, no signature: a title-only record.
    only_title = fields_record(title="Talks end")
    assert only_title.values["body"] == "" and only_title.signature is None


def _spy(monkeypatch) -> list[str]:
    """Replace every registered step by one that notes its name, then runs as before."""
    ran: list[str] = []

    def text_step(step: cleaning.TextStep) -> cleaning.TextStep:
        def run(text, step=step):
            ran.append(step.name)
            return step.run(text)

        return replace(step, fix=None, explain=run)

    def paragraph_step(step: cleaning.ParagraphStep) -> cleaning.ParagraphStep:
        def find(paragraphs, title, step=step):
            ran.append(step.name)
            return step.find(paragraphs, title)

        return replace(step, find=find)

    monkeypatch.setattr(cleaning, "TEXT_STEPS", tuple(text_step(s) for s in cleaning.TEXT_STEPS))
    monkeypatch.setattr(cleaning, "PARAGRAPH_STEPS", tuple(paragraph_step(s) for s in cleaning.PARAGRAPH_STEPS))
    return ran


def test_steps_run_in_the_registries_order(monkeypatch):
    ran = _spy(monkeypatch)
    seed_article()
    # A .txt file: the text steps on the whole text, re-flow on the body, then the paragraphs.
    assert ran == ["repair", "reflow", "signoff", "byline", "title-repeat", "repeats"]
    ran.clear()
    fields_record(AG_NEWS, title="Oracle #39;s deal", description="A second\\team")
    # A structured record: the source's own conventions on each field first, then each
    # field through the text steps, title before body.
    assert ran == [
        "backslash-line-breaks", "backslash-line-breaks",
        "lost-entities", "repair", "lost-entities", "repair", "strip-tags", "strip-tags",
        "reflow", "signoff", "byline", "title-repeat", "repeats",
    ]


def test_fixes_keep_the_order_and_repeats_of_earlier_lakes():
    article = fields_record(
        AG_NEWS, title="Oracle #39;s caf&#233; deal", description="A second\\team #39;s win", date="2024-01-02 10:00"
    )
    assert article.values["fixes"] == [
        "backslash-line-breaks", "lost-entities", "unescape_html", "lost-entities", "date:assumed-tz:UTC",
    ]
    assert (article.values["title"], article.values["body"]) == ("Oracle's caf\u00e9 deal", "A second team's win")


def test_title_suffix_title_repeat_and_date_note():
    article = fields_record(
        title="Talks end - Example News", body="Talks end\n\nText.\n\nBy Jo Bloggs", source="Example News",
        date="yesterday",
    )
    assert article.values["fixes"] == ["title:site-suffix", "date:unparseable"]
    assert article.values["title"] == "Talks end" and article.values["authors"] == ["Jo Bloggs"]
    assert [(p.status, p.reason) for p in article.paragraphs] == [
        ("repeat", "repeats the title"), ("kept", None), ("byline", "byline: moved to authors")]


def test_field_byline_comes_before_the_body_byline():
    article = fields_record(title="T", body="Text.\n\nBy Ann Lee | Reuters", author="Jo Bloggs")
    assert (article.values["authors"], article.values["agency"]) == (["Jo Bloggs", "Ann Lee"], "Reuters")


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (RawRecord("a.jsonl", "line:2", b"{oops", kind="fields", error=("invalid-json", "bad")), "invalid-json"),
        (RawRecord("a.txt", None, b"\n\n  \n"), "empty"),
        (RawRecord("a.txt", None, b"\x00\x01\x02" * 40), "undecodable"),
        (RawRecord("a.csv", "row:1", b"x", kind="fields", fields={"url": "u"}), "unmappable"),
    ],
)
def test_what_cannot_be_an_article_is_a_reject(record, reason):
    outcome = clean_record(record, RecordContext(None, "txt", SourceConfig()))
    assert isinstance(outcome, Reject) and outcome.reason == reason and outcome.raw == record.raw


def test_nothing_is_changed_in_place():
    fields = {"title": "Oracle #39;s deal", "description": "A second\\team", "author": ["Jo Bloggs"]}
    record = RawRecord("ag.csv", "row:1", b"x", kind="fields", fields=fields)
    snapshot = {k: list(v) if isinstance(v, list) else v for k, v in fields.items()}
    read = read_fields(record, AG_NEWS)
    article = clean_record(record, RecordContext(None, "csv", AG_NEWS))
    assert record.fields == snapshot  # the reader's values are read, never rewritten
    assert read.fields.title == "Oracle's deal" and read.fields.body == "A second team"
    paragraph = article.paragraphs[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        paragraph.status = "repeat"  # type: ignore[misc]
    text_read = read_text(RawRecord(str(SEED), None, SEED.read_bytes()), SourceConfig())
    assert text_read.fields.title == SEED_TITLE and text_read.fixes == ()


def test_comparison_text_computed_once_gives_the_same_keys_statuses_and_signatures():
    # The oracle is each value computed from the text alone, as before the paragraphs
    # carried their comparison text: keys, title repeats and repeats, the body's MinHash.
    from tests.corpus_texts import corpus_texts, expected_count
    from transforms.paragraphs import paragraph_key

    texts = corpus_texts()
    assert len(texts) == expected_count()
    context = RecordContext("corpora", "txt", SourceConfig())
    for i, text in enumerate(texts):
        article = clean_record(RawRecord(f"{i}.txt", None, text.encode("utf-8", "surrogatepass")), context)
        if not isinstance(article, Article):
            continue
        assert [p.key for p in article.paragraphs] == [paragraph_key(p.text) for p in article.paragraphs]
        bare = tuple(
            replace(p, status="kept", repeat_of=None, reason=None, comparison=None) for p in article.paragraphs
        )
        again = cleaning.apply_paragraph_steps(bare, article.values["title"])
        assert [(p.status, p.repeat_of, p.reason) for p in again] == [
            (p.status, p.repeat_of, p.reason) for p in article.paragraphs
        ]
        assert article.signature == fingerprint(article.values["body"]), i


def test_control_characters_are_never_stored_raw_in_any_column():
    osc = "\x1b]0;owned\x07"
    record = RawRecord("in.jsonl", "line:1\x1b[2J", b"{}", kind="fields", fields={
        "title": f"Title {osc}", "body": f"Body {osc} text.", "source": f"Wire{osc}",
        "id": f"id-{osc}", "url": f"https://example.com/a{osc}", "published": f"2024-01-02 {osc}",
        "author": f"By Ann Lee{osc}", "language": "e\x1bn",
    })
    article = clean_record(record, RecordContext(None, "jsonl", SourceConfig()))
    assert isinstance(article, Article)
    values = article.values
    texts = [v for v in values.values() if isinstance(v, str)] + list(values["authors"])
    assert texts and not any(c in text for text in texts for c in "\x1b\x07\x00\x9b")
    assert values["source"] == "Wire\\x1b]0;owned\\x07"
    assert values["input_locator"] == "line:1\\x1b[2J"
    assert values["published_raw"].endswith("\\x1b]0;owned\\x07")


def test_invisible_characters_reach_the_stored_title_and_body():
    flag = "\U0001f3f3\ufe0f\u200d\U0001f308"  # one emoji held together by a ZWJ
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # ZWNJ inside the word
    body = f"The {flag} flies over the co\u00adoperative.\n\n{persian} said the word\u2060joiner."
    raw = f"Pride {flag} week\n\n{body}"
    article = clean_record(RawRecord("a.txt", None, raw.encode()), RecordContext(None, "txt", SourceConfig()))
    assert article.values["title"] == f"Pride {flag} week"
    assert article.values["body"] == body
    assert article.values["fixes"] == []  # nothing removed, nothing to name


def test_a_q_and_a_keeps_its_repeated_prompts_and_drops_a_copied_answer():
    answer = "We started the kitchen because our grandmother left us her recipes, all of them."
    raw = "Interview\n\n" + "\n\n".join(
        ["Q: Why?", answer, "Q: Why?", "Because it was time.", "Q: Why?", answer])
    article = clean_record(RawRecord("a.txt", None, raw.encode()), RecordContext(None, "txt", SourceConfig()))
    assert [(p.status, p.repeat_of) for p in article.paragraphs] == [
        ("kept", None), ("kept", None), ("kept", None), ("kept", None), ("kept", None), ("repeat", 1)]
