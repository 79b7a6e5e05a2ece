"""detect_language: ISO 639-1 codes from the model inside py3langid, no download."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import transforms.language as language_module
from tests.conftest import SEED
from tests.corpus_texts import corpus_texts, expected_count
from transforms.language import detect_language

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


def test_model_loads_once_and_offline(monkeypatch):
    import transforms.language as language

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(language, "_identifier", None)
    detect_language("The government announced a new plan to reform pensions.")
    first = language._identifier
    assert first is not None
    detect_language("Die Regierung hat eine neue Rentenreform angekündigt.")
    assert language._identifier is first  # cached for the process, not reloaded


def _stock_detect_language(identifier, text):
    """detect_language as it was (py3langid's own loader, float16 table, the regex always
    run, every letter counted): the oracle of the faster one."""
    if not text:
        return None, None
    sample = language_module._URL_OR_EMAIL.sub(" ", text[: language_module.MAX_CHARS])
    if sum(map(str.isalpha, sample)) < language_module.MIN_LETTERS:
        return None, None
    label, score = identifier.classify(sample)
    code = language_module._TO_ISO639_1.get(label, label)
    if len(code) != 2:
        return None, None
    return code, round(min(max(float(score), 0.0), 1.0), 4)


@pytest.fixture(scope="module")
def stock_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def test_same_labels_and_scores_as_the_stock_model_on_every_shared_corpus(stock_identifier):
    texts = corpus_texts()
    assert len(texts) == expected_count()
    for text in texts:
        assert detect_language(text) == _stock_detect_language(stock_identifier, text), text[:80]
    # Bit-for-bit: the raw probabilities too, not only the rounded score.
    fast = language_module._get_identifier()
    for text in texts[:2000]:
        sample = text[: language_module.MAX_CHARS]
        assert fast._decide(sample).tobytes() == stock_identifier._decide(sample).tobytes()


_ADDRESSES = st.sampled_from(["a@b.c", "http://x.y/z", "https://e.org", "www.e.org", "@", "http", "www.", " ", "\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_ADDRESSES, st.text(max_size=30), st.sampled_from(["Talks ended late", "été"]))))
def test_same_answer_as_the_stock_wrapper_on_arbitrary_text(stock_identifier, parts):
    text = "".join(parts)
    assert detect_language(text) == _stock_detect_language(stock_identifier, text)
