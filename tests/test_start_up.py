"""What a process (the CLI, each worker) imports to start: nothing heavy it does not use."""

from __future__ import annotations

import subprocess
import sys


def _imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_a_worker_starts_without_scikit_learn_or_pandas() -> None:
    """Regression: the stop-word list was imported from scikit-learn, which imported scipy.stats
    and pandas: 1.7 s of every worker's start (2.8 s in all) for a list of words."""
    loaded = _imported_after("from storyline.enrich import Enricher; from storyline.engines.work import prepare_items")
    assert not {"sklearn", "pandas", "scipy.stats"} & loaded


def test_the_stop_words_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from storyline.stories.features import english_stop_words

    assert english_stop_words() == ENGLISH_STOP_WORDS
