"""The programs ``labsuite code`` prints pass ``labsuite check``: each server the checks of its
kind, each client its client check.

A server script runs as a student runs it: saved to a file with the host and port filled
in (as ``labsuite code KIND --port P`` does) and started with Python, always killed at the
end. A client script gets its port only when each check starts its reference server, so
its command fills in the port then, with the same :func:`script_text`, and runs the text.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from labsuite.net import scripts
from labsuite.net.check.runner import CheckRun, ClientCheckRun
from labsuite.net.check.student import prepare_command
from labsuite.protocols.check.model import Report
from tests.support import closed_port, read_lines_until, stop_process

pytestmark = pytest.mark.timeout(60)

HOST = "127.0.0.1"
#: Run a client script with the port the check gives it, the way `labsuite code` fills it in.
RUN_CLIENT = ("import sys\n"
              "from labsuite.net.scripts import script_text\n"
              "kind, host, port = sys.argv[1:4]\n"
              "sys.argv = [kind + '.py']\n"
              "code = compile(script_text(kind, host, int(port)), kind + '.py', 'exec')\n"
              "exec(code, {'__name__': '__main__'})\n")


def failures(report: Report) -> dict:
    return {o.spec.id: f"{o.explanation} {o.hint}" for o in report.outcomes if o.passed is not True}


def check_server(kind: str, folder) -> Report:
    """Save the ``kind`` server script with a free port, run it, check it, kill it."""
    port = closed_port()
    path = folder / f"{kind}_server.py"
    path.write_text(scripts.script_text(f"{kind}-server", HOST, port), encoding="utf-8")
    (folder / "index.html").write_text("<!DOCTYPE html>\n<html><body>Lab page</body></html>\n")
    proc = subprocess.Popen([sys.executable, str(path)], cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    drain = threading.Thread(target=proc.stdout.read, daemon=True)
    try:
        read_lines_until(proc, lambda line: line.startswith("Listening"), timeout=20)
        drain.start()  # it logs every step on stdout: a full pipe must never stop it
        return CheckRun(kind, HOST, port).run()
    finally:
        stop_process(proc)
        if drain.is_alive():
            drain.join(5)
        proc.stdout.close()


def check_client(kind: str) -> Report:
    command = [sys.executable, "-c", RUN_CLIENT, f"{kind}-client", "{host}", "{port}"]
    return ClientCheckRun(f"{kind}-client", prepare_command(command, f"{kind}-client"),
                          timeout=5.0).run()


@pytest.mark.parametrize("kind", ["daytime", "echo", "chat", "web"])
def test_each_generated_server_passes_its_check(kind, tmp_path):
    report = check_server(kind, tmp_path)
    assert not failures(report), failures(report)
    assert report.passed


def test_each_generated_client_passes_its_check():
    kinds = ["daytime", "echo", "chat"]
    with ThreadPoolExecutor(len(kinds)) as pool:
        reports = list(pool.map(check_client, kinds))
    for kind, report in zip(kinds, reports):
        assert report.kind == f"{kind}-client"
        assert not failures(report), (kind, failures(report))
        assert report.passed


def test_every_client_and_server_script_is_covered():
    covered = {f"{kind}-server" for kind in ("daytime", "echo", "chat", "web")} | \
        {f"{kind}-client" for kind in ("daytime", "echo", "chat")}
    assert covered == set(scripts.KINDS) - {"get"}  # (get: a downloader, no check of its own)
