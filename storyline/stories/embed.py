"""Dense sentence embeddings for story clustering, from the optional ``embeddings`` extra.

WordLlama (``pip install 'storyline[embeddings]'``) ships its token embeddings (256
dimensions, 32k tokens, about 16 MB) and its tokenizer inside the wheel and needs only
numpy: a text's vector is the mean of its tokens' vectors.  The files are opened from the
installed package directly (the package itself is never imported), so nothing is ever
downloaded at run time.

When the package is not installed (or its files cannot be read), or the
``STORYLINE_EMBEDDINGS`` setting is ``off``, :func:`available` is False, :func:`embed`
returns None and the clusterer uses its lexical model instead.

The model was trained on English: text in another language is a run of sub-word pieces
it has no meaning for, and any two such texts come out alike (two Spanish articles on a
football final and on interest rates are nearer each other than most English pairs).
:func:`readable` tells English text from text that is confidently in another language
(py3langid, the language identifier trafilatura uses, shipped with the same extra); such
text gets no embedding, and the clusterer reads its words alone.
"""

from __future__ import annotations

import importlib.util
import logging
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from storyline import settings

log = logging.getLogger(__name__)

DIM = 256
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
MAX_CHARS = 1500  # of a text, enough for a headline and a lead


@lru_cache(maxsize=1)
def _model() -> tuple[Any, Any] | None:
    """The embedding matrix and tokenizer, or None when the extra is missing."""
    # The package's files are located without importing it (its import sets up logging).
    try:
        spec = importlib.util.find_spec("wordllama")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    try:
        from safetensors import safe_open
        from tokenizers import Tokenizer
    except ImportError:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    try:
        with safe_open(str(root / _WEIGHTS), framework="np") as handle:
            matrix = handle.get_tensor("embedding.weight").astype("float32")
        tokenizer = Tokenizer.from_file(str(root / _TOKENIZER))
    except Exception as exc:  # a broken or partial install: fall back to the lexical model
        log.warning("wordllama is installed but its files could not be read: %s", exc)
        return None
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return matrix, tokenizer


OTHER_LANGUAGE = 0.9  # probability above which a text is taken to be in another language than English


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's identifier with normalised probabilities, or None when it is not installed."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language(text: str) -> str | None:
    """The language of ``text`` (an ISO 639-1 code) when py3langid gives it a probability of at
    least :data:`OTHER_LANGUAGE`; None when it cannot tell (a headline of a few words) or is not
    installed."""
    identifier = _identifier()
    if identifier is None or not text.strip():
        return None
    code, probability = identifier.classify(text[:MAX_CHARS])
    return str(code) if probability >= OTHER_LANGUAGE else None


def readable(text: str) -> bool:
    """Whether the (English) model may embed ``text``: False only when ``text`` is confidently
    in another language (:func:`language`)."""
    return language(text) in (None, "en")


def enabled() -> bool:
    """Whether the ``STORYLINE_EMBEDDINGS`` setting allows dense embeddings (it does by default)."""
    return settings.get("STORYLINE_EMBEDDINGS").strip().lower() not in ("off", "0", "no", "false")


def available() -> bool:
    """Whether dense embeddings can be computed here."""
    return enabled() and _model() is not None


def embed(text: str) -> list[float] | None:
    """The unit-length embedding of a text (its first ``MAX_CHARS``), None without the extra
    or when the text holds no known token."""
    model = _model() if enabled() else None
    if model is None or not text.strip():
        return None
    matrix, tokenizer = model
    ids = tokenizer.encode(text[:MAX_CHARS], add_special_tokens=False).ids
    ids = [i for i in ids if 0 <= i < matrix.shape[0]]
    if not ids:
        return None
    vector = matrix[ids].mean(axis=0)
    norm = float((vector * vector).sum()) ** 0.5
    if not norm or math.isnan(norm):
        return None
    return [round(float(v) / norm, 5) for v in vector]


def load() -> None:
    """Load the model and the language identifier now, not at the first text (together about a
    second): an ingest does it on a thread while its workers annotate."""
    if enabled():
        _model()
        _identifier()


def cosine(a: list[float] | None, b: list[float] | None) -> float:
    """Cosine of two vectors (0.0 when either is missing or zero)."""
    if not a or not b:
        return 0.0
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0
