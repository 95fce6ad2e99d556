"""The "check my program" runners: probe a student's server, or run a student's client
against labsuite's reference servers, and judge what it does.

:class:`~labsuite.net.check.runner.CheckRun` runs every check of a server kind: the checks
of each kind live in :mod:`.daytime`, :mod:`.echo`, :mod:`.chat` and :mod:`.web`, on top of
the recording connections of :mod:`.probe`.
:class:`~labsuite.net.check.runner.ClientCheckRun` runs every check of a client kind: the
checks live in :mod:`.daytime_client`, :mod:`.echo_client` and :mod:`.chat_client`, each
staging a :mod:`.scene` (a :mod:`.reference` server, the student's command run by
:mod:`.student`, one timeline of both sides). The verdicts themselves are pure
(:mod:`labsuite.protocols.check`).
"""
