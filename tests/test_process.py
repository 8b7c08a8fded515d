"""The collector settings of storyline's own processes (:mod:`storyline.process`)."""

from __future__ import annotations

import gc
import subprocess
import sys

from storyline.process import YOUNG_OBJECTS, settle_heap


def test_settling_freezes_what_exists_and_collects_the_young_less_often() -> None:
    threshold = gc.get_threshold()
    try:
        kept = [[n] for n in range(5000)]  # alive when the heap settles: frozen
        settle_heap()
        assert gc.get_freeze_count() >= len(kept)
        assert gc.get_threshold() == (YOUNG_OBJECTS, *threshold[1:])
        cycle: list[object] = []
        cycle.append(cycle)  # garbage in a cycle made afterwards is still collected
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_the_program_settles_its_collector_and_the_app_alone_does_not() -> None:
    probe = ("import atexit, gc, sys; atexit.register(lambda: print(gc.get_threshold()[0])); "
             "sys.argv = ['storyline', '--version']; from storyline.cli import {}; {}")
    seen = {}
    for entry, call in (("main", "main()"), ("app", "app()")):
        done = subprocess.run([sys.executable, "-c", probe.format(entry, call)], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stderr
        seen[entry] = int(done.stdout.split()[-1])
    assert seen == {"main": YOUNG_OBJECTS, "app": gc.get_threshold()[0]}
