"""Every name the pipeline keeps state or takes a lock under, in one place.

State keys name rows of the store's ``state`` table (small persistent values:
learned models, resume points).  Lock names are what
:meth:`storyline.store.Store.lock` (transaction-scoped) and
:meth:`storyline.store.Store.exclusive` (held across transactions) take.

Lock order.  A unit of work that takes several transaction-scoped locks takes
them in this order, never the other way round, so that two units never wait on
each other: ``ARTICLE_WRITES_LOCK`` → ``ENTITIES_LOCK`` → ``BOILERPLATE_LOCK``.
``SCHEMA_LOCK`` is taken alone, by migrations.  ``CLUSTERING_LOCK`` is held
across a whole grouping run (many transactions) and is taken before any of the
others, never while one of them is held.

The store's own methods spell the transaction-scoped names out
(``Store.lock_article_writes``, ``Store.lock_entities``, the migrations): the
store is below the pipeline and cannot import it.  These constants are the same
strings; ``tests/test_pipeline_stages.py`` keeps them so.
"""

from __future__ import annotations

# -- state keys -----------------------------------------------------------------

BOILERPLATE_STATE = "boilerplate_model"  # the learned boilerplate model (storyline.clean.BoilerplateModel)
BOILERPLATE_SAVES = "boilerplate_model_saves"  # bumped with every save: has another worker saved since?
CLUSTER_STATE = "story_clusterer"  # the online story clusterer (storyline.stories.cluster)
LINKER_STATE = "storyline_linker"  # the storyline linker (storyline.stories.storylines)
RESUME_PREFIX = "ingest_resume:"  # + a run's key: how far an archive run has got (storyline.engines.resume)
WEB_SECRET_STATE = "web_secret"  # the web app's signing secret (storyline.web.auth)

# -- lock names, in the order they are taken --------------------------------------

CLUSTERING_LOCK = "story clustering"  # held across a grouping run (Store.exclusive)
ARTICLE_WRITES_LOCK = "article writes"  # dedup check + write of an article (Store.lock_article_writes)
ENTITIES_LOCK = "entities"  # canonical entities (Store.lock_entities)
BOILERPLATE_LOCK = "boilerplate model"  # read, count and save the boilerplate model
SCHEMA_LOCK = "schema"  # migrations, alone

LOCK_ORDER = (ARTICLE_WRITES_LOCK, ENTITIES_LOCK, BOILERPLATE_LOCK)

__all__ = [
    "ARTICLE_WRITES_LOCK",
    "BOILERPLATE_LOCK",
    "BOILERPLATE_SAVES",
    "BOILERPLATE_STATE",
    "CLUSTERING_LOCK",
    "CLUSTER_STATE",
    "ENTITIES_LOCK",
    "LINKER_STATE",
    "LOCK_ORDER",
    "RESUME_PREFIX",
    "SCHEMA_LOCK",
    "WEB_SECRET_STATE",
]
