"""The cleaning steps, as registries: what each step does, and the fix names it records.

Two kinds of step, each an entry of one ordered registry:

- ``TEXT_STEPS``: fixes of whole texts, before they are cut into paragraphs. A
  ``TextStep`` runs at one ``stage`` of the recipe in ``transforms.article``:

  - ``"fields"``: each mapped field (title, then body) of a structured record, first:
    a source's own export conventions;
  - ``"text"``: each text as read: a ``.txt`` file whole (its title line included),
    a structured record's title, then its body;
  - ``"markup"``: each mapped field of a structured record once repaired (entities
    unescaped): HTML tags out of ordinary text, their text kept (a ``.txt`` file has none);
  - ``"body"``: the body alone, once the title is off, just before it is cut.

- ``PARAGRAPH_STEPS``: decisions on the body's paragraphs, in order. A
  ``ParagraphStep`` finds paragraphs; ``apply_paragraph_steps`` gives each the step's
  ``status`` and ``reason``.

Fix names are declared once, in the registries, and recorded only by ``record_fixes``,
which refuses a name no step declares (``FIXES``). A declared name ending in ":" stands
for a family (``decode:`` covers ``decode:utf-8``).

To add a cleaning step: write a pure function (``str -> str`` for a text step; for a
paragraph step ``(paragraphs, title) -> {position: repeat_of or None}``) and add one
entry to ``TEXT_STEPS`` or ``PARAGRAPH_STEPS`` where it belongs in the order.

>>> apply_text_steps("text", ("Oracle #39;s caf&#233;",), SourceConfig(fix_lost_entities=True), ())
(("Oracle's café",), ('lost-entities', 'unescape_html'))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from transforms import dates, jsonvalues, titles
from transforms.bylines import find_bylines
from transforms.entities import LOST_ENTITIES_STEP, fix_lost_entities
from transforms.fields import SourceConfig
from transforms.paragraphs import REFLOW_FIXES, find_repeats, reflow_and_explain
from transforms.records import Paragraph, ParagraphStatus
from transforms.repair import repair_and_explain
from transforms.tags import STRIP_TAGS_FIX, strip_tags
from transforms.titles import find_title_repeats
from transforms.wire import find_signoffs

Stage = Literal["fields", "text", "markup", "body"]


def _always(config: SourceConfig) -> bool:
    return True


def join_backslash_line_breaks(text: str) -> str:
    r"""A lone backslash stood for a line break (AG News): it becomes a space.

    >>> join_backslash_line_breaks("A second\\team")
    'A second team'
    """
    return text.replace("\\", " ")


@dataclass(frozen=True)
class TextStep:
    """One named fix of a whole text.

    Give ``fix`` (``str -> str``) when the step records one name, ``fixes[0]``, whenever
    it changes the text (or none, when ``fixes`` is empty); give ``explain`` (``str ->
    (str, names)``) when the step names what it did itself, from ``fixes``.
    """

    name: str
    stage: Stage
    fixes: tuple[str, ...]
    fix: Callable[[str], str] | None = None
    explain: Callable[[str], tuple[str, Sequence[str]]] | None = None
    enabled: Callable[[SourceConfig], bool] = _always  # per source: the opt-in fixes
    # Earlier lakes hold ``lost-entities`` once per text it changed (twice when the title
    # and the body had lost entities); True keeps that, every other name is recorded once.
    each_text: bool = False

    def __post_init__(self) -> None:
        if (self.fix is None) == (self.explain is None):
            raise ValueError(f"text step {self.name!r} needs exactly one of fix and explain")

    def run(self, text: str) -> tuple[str, Sequence[str]]:
        """The fixed text and the fix names this step records for it."""
        if self.explain is not None:
            return self.explain(text)
        fixed = self.fix(text)  # type: ignore[misc]  # __post_init__: fix is set
        return fixed, self.fixes[:1] if fixed != text else ()


# ftfy's repair (``transforms.repair.repair_and_explain``) names its steps after ftfy's
# explanations: its fixers, and the halves of a mojibake repair and the normalization.
REPAIR_FIXES: tuple[str, ...] = (
    "unescape_html", "remove_terminal_escapes", "restore_byte_a0", "replace_lossy_sequences",
    "decode_inconsistent_utf8", "fix_c1_controls", "fix_latin_ligatures", "fix_character_width",
    "uncurl_quotes", "fix_line_breaks", "fix_surrogates", "remove_control_chars",
    "encode:", "decode:", "normalize:",
)  # fmt: skip

TEXT_STEPS: tuple[TextStep, ...] = (
    # Structured fields only, as ever: a .txt file has no such convention.
    TextStep("backslash-line-breaks", "fields", ("backslash-line-breaks",), fix=join_backslash_line_breaks,
             enabled=lambda config: config.backslash_line_breaks),
    TextStep(LOST_ENTITIES_STEP, "text", (LOST_ENTITIES_STEP,), fix=fix_lost_entities,
             enabled=lambda config: config.fix_lost_entities, each_text=True),
    # HTML entities, mojibake, controls, line ends, NFC: one ftfy call, whose rounds
    # interleave them, so they cannot be split into steps without changing the result.
    TextStep("repair", "text", REPAIR_FIXES, explain=repair_and_explain),
    # "<b>Oil</b>" in a CSV title, "<p>" in a JSON body: tags out, text kept (transforms.tags).
    TextStep(STRIP_TAGS_FIX, "markup", (STRIP_TAGS_FIX,), fix=strip_tags),
    # Joining a paragraph's hard-wrapped lines is ``reflow``; cutting wire copy at its
    # indented lines is ``indented-paragraphs`` (transforms.paragraphs, transforms.wire).
    TextStep("reflow", "body", REFLOW_FIXES, explain=reflow_and_explain),
)


@dataclass(frozen=True)
class ParagraphStep:
    """One decision on a body's paragraphs: ``find`` returns the kept paragraphs it takes
    out, by position (with the position they repeat, or None), and each gets ``status``
    and ``reason`` (formatted with ``repeat_of``)."""

    name: str
    status: ParagraphStatus
    reason: str
    find: Callable[[Sequence[Paragraph], str | None], dict[int, int | None]]


PARAGRAPH_STEPS: tuple[ParagraphStep, ...] = (
    # A wire story's last line, "REUTER", "-- AP": the agency, not text (transforms.wire).
    ParagraphStep("signoff", "signoff", "signoff: moved to agency", find_signoffs),
    ParagraphStep("byline", "byline", "byline: moved to authors", find_bylines),
    ParagraphStep("title-repeat", "repeat", "repeats the title", find_title_repeats),
    ParagraphStep("repeats", "repeat", "repeats paragraph {repeat_of}", find_repeats),
)

# Every name an article's ``fixes`` can hold, by the step that records it.
FIXES: dict[str, tuple[str, ...]] = {
    # How bytes became text (transforms.decoding.decode, and the readers for a
    # structured file): a byte order mark, a legacy encoding, a declared one overruled;
    # for JSON (transforms.jsonvalues) a lone surrogate or a key's control character replaced.
    "decode": ("bom", "decoded:", "declared-mismatch:", "declared-unknown:", jsonvalues.LONE_SURROGATE,
               jsonvalues.CONTROL_IN_KEY),
    **{step.name: step.fixes for step in TEXT_STEPS},
    "title": (titles.SITE_SUFFIX_FIX,),
    "date": dates.NOTES,
}


def declares(step: str, name: str) -> bool:
    """True when ``step`` declares the fix ``name``, itself or as one of a family.

    >>> declares("repair", "decode:utf-8"), declares("repair", "lost-entities")
    (True, False)
    """
    return any(name == fix or (fix.endswith(":") and name.startswith(fix)) for fix in FIXES[step])


def record_fixes(fixes: tuple[str, ...], step: str, names: Iterable[str], each: bool = False) -> tuple[str, ...]:
    """``fixes`` with ``names`` recorded by ``step`` added in order, each once (``each``:
    every time). A name the step does not declare in ``FIXES`` is a bug, never content.

    >>> record_fixes(("bom",), "repair", ["unescape_html", "unescape_html"])
    ('bom', 'unescape_html')
    """
    out = list(fixes)
    for name in names:
        if not declares(step, name):
            raise ValueError(f"step {step!r} recorded the fix {name!r}, which FIXES does not declare")
        if each or name not in out:
            out.append(name)
    return tuple(out)


# The enabled steps of a stage, by (stage, config), with the registry they were taken from
# (a new TEXT_STEPS, as tests install, is read afresh): a config is frozen, and its
# inputs' records share it. Keyed by the config's id, with the config itself kept to
# check that the entry is its own (hashing a config hashes every option). Bounded;
# cleared when full.
_STEPS_CACHE: dict[tuple[Stage, int], tuple[SourceConfig, tuple[TextStep, ...], tuple[TextStep, ...]]] = {}


def _steps_of(stage: Stage, config: SourceConfig) -> tuple[TextStep, ...]:
    key = (stage, id(config))
    hit = _STEPS_CACHE.get(key)
    if hit is not None and hit[0] is config and hit[1] is TEXT_STEPS:
        return hit[2]
    if len(_STEPS_CACHE) >= 1024:
        _STEPS_CACHE.clear()
    steps = tuple(s for s in TEXT_STEPS if s.stage == stage and s.enabled(config))
    _STEPS_CACHE[key] = (config, TEXT_STEPS, steps)
    return steps


def body_is_reflowed(config: SourceConfig) -> bool:
    """True when the body's last text step is the re-flow, whose paragraphs are white-space
    normalized (what ``paragraphs.cut(..., normalized=True)`` relies on)."""
    steps = _steps_of("body", config)
    return bool(steps) and steps[-1].explain is reflow_and_explain


def apply_text_steps(
    stage: Stage, texts: tuple[str | None, ...], config: SourceConfig, fixes: tuple[str, ...]
) -> tuple[tuple[str | None, ...], tuple[str, ...]]:
    """Run the ``stage``'s enabled text steps over each text in turn (an empty text is left
    as it is); return the texts and ``fixes`` with what the steps did."""
    steps = _steps_of(stage, config)
    out: list[str | None] = []
    for text in texts:
        for step in steps if text else ():
            text, names = step.run(text)
            if names:  # most steps change nothing in most texts: nothing to record
                fixes = record_fixes(fixes, step.name, names, each=step.each_text)
        out.append(text)
    return tuple(out), fixes


def apply_paragraph_steps(paragraphs: tuple[Paragraph, ...], title: str | None) -> tuple[Paragraph, ...]:
    """Run every paragraph step in order; each sees the statuses the earlier ones gave.

    >>> body = "The talks ended on Monday night without a deal, officials said."
    >>> ps = apply_paragraph_steps((Paragraph(0, "Talks"), Paragraph(1, body), Paragraph(2, body)), "Talks")
    >>> [(p.status, p.reason) for p in ps]
    [('repeat', 'repeats the title'), ('kept', None), ('repeat', 'repeats paragraph 1')]
    """
    paragraphs = tuple(paragraphs)
    for step in PARAGRAPH_STEPS:
        found = step.find(paragraphs, title)
        if not found:  # most steps find nothing in most bodies
            continue
        paragraphs = tuple(
            replace(p, status=step.status, repeat_of=found[p.position],
                    reason=step.reason.format(repeat_of=found[p.position]))
            if p.position in found and p.status == "kept" else p
            for p in paragraphs
        )
    return paragraphs
