"""identify / detect_language: ISO 639-1 codes from CLD2 (compiled into pycld2), no download;
the detector's raw label and score kept, a confidence floor, short texts null with a reason."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import transforms.language as language_module
from bench.language import agreement, corpus_sets, py3langid_detector
from tests.conftest import FAST_LANE, SEED, corpus_path
from transforms.language import MIN_SCORE, Language, detect_language, identify

SAMPLES = [
    ("en", "The government announced on Tuesday a new plan to reform pensions across the country."),
    ("fr", "Le gouvernement a annoncé mardi une nouvelle réforme des retraites dans tout le pays."),
    ("de", "Die Regierung hat am Dienstag eine neue Rentenreform für das ganze Land angekündigt."),
    ("es", "El gobierno anunció el martes una nueva reforma de las pensiones en todo el país."),
    ("it", "Il governo ha annunciato martedì una nuova riforma delle pensioni in tutto il paese."),
    ("pt", "O governo anunciou na terça-feira uma nova reforma da previdência em todo o país."),
    ("nl", "De regering heeft dinsdag een nieuwe hervorming van de pensioenen aangekondigd."),
    ("ru", "Правительство во вторник объявило о новой пенсионной реформе по всей стране."),
    ("uk", "Уряд у вівторок оголосив про нову пенсійну реформу по всій країні."),
    ("ar", "أعلنت الحكومة يوم الثلاثاء عن إصلاح جديد لنظام التقاعد في جميع أنحاء البلاد."),
    ("zh", "政府星期二宣布了一项新的全国养老金改革计划，引起了广泛的讨论和关注。"),
    ("ja", "政府は火曜日、全国的な年金制度の新たな改革を発表し、大きな議論を呼んでいる。"),
]


@pytest.mark.parametrize(("code", "text"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_detects_language(code, text):
    got, score = detect_language(text)
    assert got == code
    assert score is not None and 0.5 < score <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "Hello", "12345 67890 !!!", "https://example.com/a-b-c-d-e-f"])
def test_too_little_text_gives_no_answer(text):
    assert detect_language(text) == (None, None)


def test_seed_article_is_english():
    code, score = detect_language(SEED.read_text("utf-8"))
    assert code == "en" and score > 0.9


def test_detects_offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert detect_language("Die Regierung hat am Dienstag eine neue Rentenreform angekündigt.")[0] == "de"


@pytest.mark.parametrize("score", [0.14, 0.3, 0.49])
def test_a_label_below_the_floor_is_not_kept_but_recorded(monkeypatch, score):
    monkeypatch.setattr(language_module, "_classify", lambda sample: (True, "pcm", score))
    found = identify("Dem don talk say di government go change di pension wey people dey collect.")
    assert found == Language(None, score, "pcm", "low_score")
    assert detect_language("Dem don talk say di government go change di pension.") == (None, None)


def test_a_label_at_the_floor_is_kept(monkeypatch):
    monkeypatch.setattr(language_module, "_classify", lambda sample: (True, "en", MIN_SCORE))
    assert identify("The government announced a new plan to reform pensions.").code == "en"


_EN = "The government announced on Tuesday a new plan to reform pensions across the whole country. "
_FR = "Le gouvernement a annoncé mardi une nouvelle réforme des retraites dans tout le pays, et les syndicats. "
_DE = "Die Regierung hat am Dienstag eine neue Rentenreform für das ganze Land angekündigt, und die Gewerkschaften. "
_ES = "El gobierno anunció el martes una nueva reforma de las pensiones en todo el país, y los sindicatos. "


def test_a_text_in_four_languages_has_no_language_but_keeps_the_raw_label():
    found = identify(_EN + _FR + _DE + _ES)
    assert found.code is None and found.reason == "low_score"
    assert found.raw in {"en", "fr", "de", "es"} and found.score < MIN_SCORE


@pytest.mark.parametrize("text", [
    "Arsenal 12 8 2 2 26\nChelsea 12 7 3 2 24\nLiverpool 12 6 4 2 22\nTottenham 12 5 4 3 19",
    "| Team | P | W | Pts |\n| Arsenal | 12 | 8 | 26 |\n| Chelsea | 12 | 7 | 24 |",
    "", "Hello there", "12345 67890 !!!", "https://example.com/a-b-c-d-e-f-g-h-i-j-k-l-m-n",
])
def test_short_texts_and_tables_are_null_with_a_reason(text):
    assert identify(text) == Language(None, None, None, "too_short")


def test_not_iso639_1_labels_keep_the_raw_label(monkeypatch):
    monkeypatch.setattr(language_module, "_classify", lambda sample: (True, "ceb", 0.97))
    assert identify(_EN) == Language(None, 0.97, "ceb", "not_iso639_1")


@pytest.mark.parametrize(("raw", "code"), [("iw", "he"), ("jw", "jv"), ("zh-Hant", "zh")])
def test_cld2_codes_map_to_iso639_1(monkeypatch, raw, code):
    monkeypatch.setattr(language_module, "_classify", lambda sample: (True, raw, 0.9))
    assert identify(_EN) == Language(code, 0.9, raw, None)


def test_hebrew_and_traditional_chinese_come_out_as_iso639_1():
    hebrew = "הממשלה הודיעה ביום שלישי על רפורמה חדשה בפנסיות בכל רחבי הארץ, והאיגודים הכריזו על שביתה."
    assert identify(hebrew).code == "he"
    chinese = "政府星期二宣佈了一項新的全國養老金改革計劃，引起了廣泛的討論和關注，工會表示將會罷工。"
    assert identify(chinese).code == "zh"


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x7f", "\x85", "\ufffe", "\U0010ffff", "\ud800"])
def test_characters_cld2_refuses_do_not_lose_the_label(bad):
    assert identify(_EN.replace(" new ", f" new {bad} ")).code == "en"


@pytest.fixture(scope="module")
def sets():
    corpus_path("bbc")  # skips with a clear message when ../shared is absent
    return corpus_sets()


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["bbc", "ag-news", "extraction-pages"])
def test_same_labels_as_py3langid_on_995_per_cent_of_each_corpus(sets, name):
    texts = sets[name][::10] if FAST_LANE else sets[name]
    old = py3langid_detector()
    agree = agreement([old(t)[0] for t in texts], [identify(t).code for t in texts])
    assert agree >= 0.995, (name, agree)


_ADDRESSES = st.sampled_from(["a@b.c", "http://x.y/z", "https://e.org", "www.e.org", "@", "http", "www.", " ", "\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_ADDRESSES, st.text(max_size=30), st.sampled_from(["Talks ended late", "été"]))))
def test_any_text_gives_a_well_formed_answer(parts):
    found = identify("".join(parts))
    assert (found.code is None) == (found.reason is not None)
    assert found.code is None or (len(found.code) == 2 and found.score >= MIN_SCORE)
    assert found.score is None or 0.0 <= found.score <= 1.0
    assert found.reason in {None, "too_short", "low_score", "unknown", "not_iso639_1"}


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", "ccc", "1", "42", "é", "été", " ", "  ", "\n", "\u00a0", "\u3000", "x1"]),
                max_size=80).map(" ".join))
def test_the_first_words_are_those_of_the_whole_split(sample):
    from itertools import islice

    whole = list(islice(filter(language_module._is_word, sample.split()), language_module.MIN_WORDS))
    assert language_module._first_words(sample) == whole


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from("ab1.\u00e9\u0301\u01c5\u4e2d"), st.characters()), max_size=6))
def test_a_word_is_a_token_of_two_letters_or_more(token):
    assert language_module._is_word(token) == (sum(map(str.isalpha, token)) >= 2)
