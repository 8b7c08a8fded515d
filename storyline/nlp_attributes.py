"""spaCy's attribute ruler, read token by token from a cache: the same annotations, in a fraction of the time.

The English pipelines map each token's fine-grained tag (and a few words and
dependency labels) to its coarse part of speech, morphology and some lemmas with an
``attribute_ruler`` of about 180 token patterns, run by spaCy's ``Matcher`` over
every token of every document: about a tenth to a fifth of the whole parse of a news
article, as much as the dependency parser.

Nearly all of those patterns look at one token alone, and only at its lower-case
form, tag, dependency label and whether it is white space.  Which of them match a
token is therefore a function of those four values, computed once per combination
and then read from a cache; the few patterns that span several tokens (``gon na``,
``let 's``) stay with a ``Matcher`` of their own.  The rules are then applied as the
ruler applies them: every match in the order the rules were added (a later rule
wins), so the annotations are exactly the ruler's (``tests/test_nlp.py`` compares
both on the example articles, ``benchmarks/throughput.py`` on the benchmark texts).

:func:`install` swaps the cached reader in for the pipeline's own ruler.  A rule this
reader cannot test token by token (another attribute, an operator, an index into a longer
pattern) goes to the ``Matcher`` with the spanning ones, so every rule is applied.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc, Token
from spacy.tokens._retokenize import set_token_attrs

# What a single-token pattern may test, and how a token is read for it.
_READ: dict[str, Callable[[Token], Any]] = {
    "LOWER": lambda token: token.lower_,
    "TAG": lambda token: token.tag_,
    "DEP": lambda token: token.dep_,
    "IS_SPACE": lambda token: token.is_space,
}
CACHE_SIZE = 200_000  # combinations kept; past it the cache starts again

Test = Callable[[Token], bool]


def _test(key: str, wanted: Any) -> Test | None:
    """One key of a token pattern as a test of a token, None when it is not one this reader knows."""
    read = _READ.get(key)
    if read is None:
        return None
    if not isinstance(wanted, dict):
        return lambda token: bool(read(token) == wanted)
    if len(wanted) != 1:
        return None
    (how, value), = wanted.items()
    if how == "IN":
        allowed = frozenset(value)
        return lambda token: read(token) in allowed
    if how == "NOT_IN":
        refused = frozenset(value)
        return lambda token: read(token) not in refused
    if how == "REGEX":
        pattern = re.compile(value)
        return lambda token: bool(pattern.search(read(token)))
    return None


def _anchor(pattern: dict[str, Any]) -> tuple[str, frozenset[Any]] | None:
    """The most selective key of a single-token pattern with the values it accepts, when it
    names them (a word, else a tag, else a dependency label): the rule is only tested on
    tokens with one of those values."""
    for key in ("LOWER", "TAG", "DEP"):
        wanted = pattern.get(key)
        if isinstance(wanted, str):
            return key, frozenset([wanted])
        if isinstance(wanted, dict) and set(wanted) == {"IN"}:
            return key, frozenset(wanted["IN"])
    return None


def _single(pattern: list[dict[str, Any]]) -> list[Test] | None:
    """The tests of a pattern of one token (without operators), None for any other pattern."""
    if len(pattern) != 1 or "OP" in pattern[0]:
        return None
    tests = [_test(key, wanted) for key, wanted in pattern[0].items()]
    if not tests or any(test is None for test in tests):
        return None
    return [test for test in tests if test is not None]


class CachedAttributes:
    """Applies an :class:`AttributeRuler`'s rules, matching single tokens through a cache."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.ruler = ruler
        # single-token rules as (rule, tests), by the value of their anchor key, or always tried
        self.anchored: dict[tuple[str, Any], list[tuple[int, list[Test]]]] = {}
        self.unanchored: list[tuple[int, list[Test]]] = []
        self.spanning = Matcher(ruler.vocab)
        self.spans = False
        for rule in range(len(ruler.attrs)):
            _key, patterns = ruler.matcher.get(str(rule))
            for pattern in patterns:
                tests = _single(pattern)
                if tests is not None and ruler.indices[rule] in (0, -1):
                    anchor = _anchor(pattern[0])
                    if anchor is None:
                        self.unanchored.append((rule, tests))
                    else:
                        for value in anchor[1]:
                            self.anchored.setdefault((anchor[0], value), []).append((rule, tests))
                else:
                    self.spanning.add(str(rule), [pattern])
                    self.spans = True
        self._cache: dict[tuple[int, int, int, bool], tuple[int, ...]] = {}

    def _rules_of(self, token: Token) -> tuple[int, ...]:
        key = (token.lower, token.tag, token.dep, token.is_space)
        rules = self._cache.get(key)
        if rules is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            candidates = [*self.unanchored, *self.anchored.get(("LOWER", token.lower_), ()),
                          *self.anchored.get(("TAG", token.tag_), ()), *self.anchored.get(("DEP", token.dep_), ())]
            rules = tuple(sorted({rule for rule, tests in candidates if all(test(token) for test in tests)}))
            self._cache[key] = rules
        return rules

    def __call__(self, doc: Doc) -> Doc:
        # (rule, start of the match, token): the order the ruler applies its matches in
        found: list[tuple[int, int, int]] = []
        for token in doc:
            i = token.i
            found.extend((rule, i, i) for rule in self._rules_of(token))
        if self.spans:
            indices = self.ruler.indices
            for match_id, start, end in self.spanning(doc, allow_missing=True, as_spans=False):
                rule = int(self.ruler.vocab.strings[match_id])
                index = indices[rule]
                found.append((rule, start, (start if index >= 0 else end) + index))
        found.sort()
        attrs = self.ruler.attrs
        for rule, _start, i in found:
            set_token_attrs(doc[i], attrs[rule])
        return doc


def install(nlp: Language) -> bool:
    """Replace the pipeline's ``attribute_ruler`` by its cached reader; False when there is none."""
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe("attribute_ruler")
    if not isinstance(ruler, AttributeRuler):
        return False
    # spaCy makes pipes from registered names: one per reader, each holding its ruler
    name = f"storyline_cached_attributes_{id(ruler):x}"
    Language.component(name, func=CachedAttributes(ruler))
    nlp.replace_pipe("attribute_ruler", name)
    return True
