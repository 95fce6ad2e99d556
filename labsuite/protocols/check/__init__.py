""""Check my program": the verdict model, the catalogue of checks and pure judges (sans-IO).

:mod:`.model` holds what a check run produces (specs, transcripts, outcomes, the report)
and the catalogue of checks per kind; :mod:`.report` renders a report as text lines,
JSON, JUnit XML and HTML. :mod:`.daytime`, :mod:`.echo`, :mod:`.chat` and :mod:`.web`
judge what a server sent; :mod:`.daytime_client`, :mod:`.echo_client` and
:mod:`.chat_client` judge what a client sent and printed, with what all of them share in
:mod:`.client`. Nothing here touches a socket, a process, a clock or a file: the runners
in :mod:`labsuite.net.check` do the talking and hand the bytes over.
"""
