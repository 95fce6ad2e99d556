"""Remember the student's last choices (hosts, ports, modes, window size, scale, theme).

The file is a small JSON object in the per-user config folder (``LABSUITE_CONFIG_DIR``
overrides it, which the tests use). Settings are a convenience, never a reason to fail:
a missing, unreadable or corrupt file, or a value of the wrong type, quietly falls back
to the default, and the file is written atomically so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

from labsuite.net import ports

FILE_NAME = "settings.json"
ENV_DIR = "LABSUITE_CONFIG_DIR"

#: Every setting and its default; a stored value is used only if it has the same type.
DEFAULTS: Dict[str, Any] = {
    "window.geometry": "",
    "window.tab": 0,
    "view.scale": 0.0,  # 0 = chosen from the screen's size
    "view.theme": "system",  # "light", "dark" or "system"
    "view.projector": False,
    "time.host": ports.TIME_SERVERS[0],
    "time.protocol": "daytime",
    "time.port": ports.DAYTIME_WELL_KNOWN,
    "time.server.scope": ports.LOCAL_ONLY,
    "time.server.port": ports.DAYTIME,
    "time.server.format": "rfc867",
    "time.server.sntp_port": ports.SNTP,
    "echo.server.scope": ports.LOCAL_ONLY,
    "echo.server.port": ports.ECHO,
    "echo.server.mode": "selector",
    "echo.server.udp": False,
    "echo.client.host": ports.LOCAL_ONLY,
    "echo.client.port": ports.ECHO,
    "chat.server.scope": ports.EVERYONE,  # hosting a room is for the other lab machines
    "chat.server.port": ports.CHAT,
    "chat.client.host": ports.LOCAL_ONLY,
    "chat.client.port": ports.CHAT,
    "chat.name": "",
    "web.server.scope": ports.LOCAL_ONLY,
    "web.server.port": ports.WEB,
    "web.server.sample_site": True,  # one button shows a page
    "web.server.folder": "",
    "web.url": "",  # empty: the running server's own address
    "network.page": 0,
    "network.lookup.name": "localhost",
    "network.doctor.host": ports.LOCAL_ONLY,
    "network.doctor.port": ports.ECHO,
    "network.console.host": ports.LOCAL_ONLY,
    "network.console.port": ports.ECHO,
    "network.console.udp": False,
    "network.console.ending": "CRLF",  # what telnet sends; course servers accept it too
    "network.console.hex": False,
}


def config_dir() -> Path:
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    from platformdirs import user_config_dir
    return Path(user_config_dir("labsuite", appauthor=False))


class Settings:
    """A typed key/value store backed by one JSON file."""

    def __init__(self, path: Optional[Path] = None):
        self.path = Path(path) if path is not None else config_dir() / FILE_NAME
        self._values: Dict[str, Any] = {}

    @classmethod
    def load(cls, path: Optional[Path] = None) -> "Settings":
        settings = cls(path)
        settings._values = _read(settings.path)
        return settings

    def get(self, key: str, default: Any = None) -> Any:
        fallback = DEFAULTS.get(key, default)
        value = self._values.get(key, fallback)
        if fallback is not None and not _same_type(value, fallback):
            return fallback
        return value

    def set(self, key: str, value: Any) -> None:
        self._values[key] = value

    def update(self, values: Dict[str, Any]) -> None:
        self._values.update(values)

    def save(self) -> bool:
        """Write the file atomically; False (and a note on stderr) if that is impossible."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".settings-", suffix=".tmp",
                                                 dir=self.path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(self._values, stream, indent=2, sort_keys=True)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            return True
        except (OSError, TypeError, ValueError) as exc:
            print(f"labsuite: could not save settings to {self.path}: {exc}", file=sys.stderr)
            return False


def _read(path: Path) -> Dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return type(value) is type(default)
    return isinstance(value, type(default))
