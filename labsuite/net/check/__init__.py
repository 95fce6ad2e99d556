"""The "check my program" runners: probe a student's server and judge what it does.

:class:`~labsuite.net.check.runner.CheckRun` runs every check of a kind; the checks of
each kind live in :mod:`.daytime`, :mod:`.echo`, :mod:`.chat` and :mod:`.web`, on top of
the recording connections of :mod:`.probe`. The verdicts themselves are pure
(:mod:`labsuite.protocols.check`).
"""
