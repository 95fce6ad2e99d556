"""Serving files from one folder so that nothing outside it can ever be read.

A web server that checks a path and then opens it again by name can be raced: whoever may
write into the served folder swaps a folder (or a file) for a link to ``..`` between the
check and the open. :class:`ServedFolder` closes that gap by holding a descriptor of the
folder and opening a request's path **one part at a time from the descriptor of the part
before** (``O_NOFOLLOW``, ``O_DIRECTORY`` for folders, ``O_NONBLOCK`` so a FIFO never blocks),
so what is checked is exactly what is opened. A symbolic link is read and its target walked
the same way from the folder's own descriptor; a target that leaves the folder is refused.

Every lookup ends in a result the server can act on without guessing: :class:`FileFound`
(an open descriptor and its ``fstat``), :class:`FolderFound` (listable), or :class:`Refused`
(a status and a sentence safe to show). Nothing a request can cause raises.

Small files are kept in a :class:`FileCache`, an LRU bounded in bytes and keyed on the
identity of the file actually opened (device, inode), checked on every hit against that
file's fresh ``fstat``. Since every request opens the file again, a file whose permission
was removed is refused at once, and a swapped file can never be answered from the cache.

Where the system has no ``dir_fd`` (Windows) the same promises are kept another way: the
path is resolved with ``realpath``, checked to be inside, opened, and the opened handle's
own path (asked of the system) must still be inside the folder. The two ways differ only
where neither serves the outside: a link whose target climbs out of the folder and back
in (``../site/x``) is refused by descriptor and followed by path, and a folder's listing
by path is checked before and after it is read (names only, never contents).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple, Union

from .errors import NetError

__all__ = ["ServedFolder", "FileFound", "FolderFound", "Refused", "Listing", "FileCache",
           "MISSING", "OUTSIDE", "NOT_ORDINARY", "NO_PERMISSION", "TOO_MANY_LINKS", "BUSY",
           "UNREADABLE"]

#: Files up to this size are read whole (and cached); larger ones are streamed from the fd.
SMALL_FILE = 64 * 1024
CACHE_BYTES = 8 * 1024 * 1024
#: Longest listing of one folder; the rest are only counted.
MAX_LISTED = 5000
#: Symbolic links followed in one lookup, as the kernel allows.
MAX_LINKS = 40
#: A file changed this recently is read afresh every time, not cached: two writes within
#: one tick of the file system's clock leave size and times unchanged.
SETTLE_NS = 2_000_000_000

#: True where a path can be opened part by part relative to a descriptor (not Windows).
DESCRIPTOR_WALK = (
    os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd
    and os.readlink in os.supports_dir_fd and os.stat in os.supports_follow_symlinks
    and os.scandir in os.supports_fd
    and hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY"))

_COMMON = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0) \
    | getattr(os, "O_NOINHERIT", 0)
_FILE_FLAGS = _COMMON | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = _FILE_FLAGS | getattr(os, "O_DIRECTORY", 0)
#: What open() says for a final part that is a link (Linux ELOOP, BSD EMLINK; some
#: kernels say ENOTDIR when O_DIRECTORY meets a link).
_LINK_ERRNOS = frozenset({errno.ELOOP, errno.EMLINK, errno.ENOTDIR})


# -- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Refused:
    """No file for this request: ``status`` (403, 404, 500, 503) and a sentence to show."""

    status: int
    detail: str


MISSING = Refused(404, "There is no file at this address.")
OUTSIDE = Refused(403, "This path is not allowed on this server.")
NOT_ORDINARY = Refused(403, "Only ordinary files are served.")
NO_PERMISSION = Refused(403, "This server is not allowed to read that.")
TOO_MANY_LINKS = Refused(403, "This path goes through too many symbolic links.")
BUSY = Refused(503, "The server has too many files open; try again in a moment.")
UNREADABLE = Refused(500, "The file could not be read.")


def refusal_for(exc: OSError) -> Refused:
    """The result for an error from opening or reading a request's path."""
    code = exc.errno
    if code in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG):  # too long: no such file
        return MISSING
    if code in (errno.EACCES, errno.EPERM):
        return NO_PERMISSION
    if code in (errno.EMFILE, errno.ENFILE, errno.ENOMEM):
        return BUSY
    if code in (errno.ENXIO, errno.ENODEV, errno.EAGAIN, errno.EOPNOTSUPP, errno.ELOOP):
        return NOT_ORDINARY  # a socket, device or FIFO that would not open
    return UNREADABLE


class _Closable:
    """``with`` closes it."""

    __slots__ = ()

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class FileFound(_Closable):
    """A regular file inside the folder, open for reading: the caller owns ``fd``.

    ``info`` is the ``fstat`` of that descriptor (what to send is what was checked);
    ``name`` is the name of the file opened (a link's target), for its content type.
    """

    __slots__ = ("fd", "info", "name")

    def __init__(self, fd: int, info: os.stat_result, name: str):
        self.fd = fd
        self.info = info
        self.name = name

    @property
    def size(self) -> int:
        return self.info.st_size

    def close(self) -> None:
        """Close the descriptor (once; later calls do nothing)."""
        fd, self.fd = self.fd, -1
        if fd >= 0:
            _close(fd)


@dataclass(frozen=True)
class Listing:
    """A folder's entries, (name, is_folder), at most the limit asked, and how many more."""

    entries: Tuple[Tuple[str, bool], ...]
    omitted: int = 0


class FolderFound(_Closable):
    """A folder inside the served one. :meth:`listing` reads its entries; :meth:`close` it.

    ``fd`` is its descriptor where the system walks by descriptor, else None (then
    ``path``, checked when found, is checked again around the listing).
    """

    __slots__ = ("fd", "info", "path")

    def __init__(self, fd: Optional[int], info: os.stat_result, path: str = ""):
        self.fd = fd
        self.info = info
        self.path = path

    def listing(self, limit: int = MAX_LISTED) -> Union[Listing, Refused]:
        """Up to ``limit`` entries (names decoded with surrogateescape) and a count of the
        rest; Refused if the folder cannot be read."""
        if self.fd is None and not self._still_here():
            return OUTSIDE
        entries: List[Tuple[str, bool]] = []
        omitted = 0
        try:
            with os.scandir(self.fd if self.fd is not None else self.path) as found:
                for entry in found:
                    if len(entries) >= limit:
                        omitted += 1
                        continue
                    try:
                        entries.append((os.fsdecode(entry.name), entry.is_dir()))
                    except OSError:
                        entries.append((os.fsdecode(entry.name), False))
        except OSError as exc:
            return refusal_for(exc)
        if self.fd is None and not self._still_here():  # swapped while it was read
            return OUTSIDE
        return Listing(tuple(entries), omitted)

    def _still_here(self) -> bool:
        """By path only: the folder found is still the one this path names, with no link."""
        try:
            same_path = os.path.normcase(os.path.realpath(self.path)) == \
                os.path.normcase(self.path)
            return same_path and _identity(os.stat(self.path)) == _identity(self.info)
        except (OSError, ValueError):
            return False

    def close(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            _close(fd)


Found = Union[FileFound, FolderFound, Refused]


# -- the cache ----------------------------------------------------------------------------
def _identity(info: os.stat_result) -> Tuple[int, int]:
    return info.st_dev, info.st_ino


def _version(info: os.stat_result) -> tuple:
    """Everything about a file that changes when its content, owner or permission does."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode, info.st_uid,
            info.st_gid, info.st_nlink)


class FileCache:
    """Small files' contents, least recently used first out, at most ``max_bytes`` in all.

    Keyed on the identity of the file opened (``st_dev``, ``st_ino``), so two paths to one
    file share an entry and a swapped file is a different key; an entry is used only if
    the file's fresh ``fstat`` matches the one it was read under. Thread-safe.
    """

    def __init__(self, max_bytes: int = CACHE_BYTES,
                 clock: Callable[[], int] = time.time_ns, settle_ns: int = SETTLE_NS):
        self.max_bytes = int(max_bytes)
        self._clock = clock
        self._settle_ns = settle_ns
        self._entries: "OrderedDict[Tuple[int, int], Tuple[tuple, bytes]]" = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        #: Lookups answered from the cache, and lookups that were not.
        self.hits = self.misses = 0

    def get(self, info: os.stat_result) -> Optional[bytes]:
        """The cached content of the file ``info`` describes, or None."""
        key = _identity(info)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] != _version(info):  # changed since it was read
                self._drop(key)
                entry = None
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, info: os.stat_result, body: bytes) -> bool:
        """Remember ``body`` as the content of the file ``info`` describes; False if not kept
        (too big, or changed too recently to be sure its times tell every change)."""
        recent = self._clock() - self._settle_ns
        if len(body) > self.max_bytes or max(info.st_mtime_ns, info.st_ctime_ns) > recent:
            return False
        key = _identity(info)
        with self._lock:
            self._drop(key)
            while self._entries and self._bytes + len(body) > self.max_bytes:
                _, (_, oldest) = self._entries.popitem(last=False)
                self._bytes -= len(oldest)
            self._entries[key] = (_version(info), body)
            self._bytes += len(body)
        return True

    def _drop(self, key: Tuple[int, int]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[1])

    def keys(self) -> List[Tuple[int, int]]:
        """The identities cached, least recently used first."""
        with self._lock:
            return list(self._entries)

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


# -- the folder ---------------------------------------------------------------------------
class ServedFolder(_Closable):
    """The folder a web server serves: look up request paths, read small files, list folders.

    Opening it raises :class:`NetError` (a plain sentence) when ``root`` is not a folder
    that can be read. Use :meth:`resolve` with the parts of
    :func:`labsuite.protocols.http.local_path`; close the results it returns, and the
    folder itself with :meth:`close` (or ``with``).
    """

    def __init__(self, root: str, cache: Optional[FileCache] = None,
                 small_file: int = SMALL_FILE):
        self.root = os.path.abspath(root)
        self.real_root = os.path.realpath(root)
        self.cache = cache if cache is not None else FileCache()
        self.small_file = int(small_file)
        self.by_descriptor = DESCRIPTOR_WALK
        #: How absolute link targets may name this folder (each as its list of parts).
        self._spellings = [_parts_of(self.real_root), _parts_of(self.root)]
        self._fd: Optional[int] = None
        try:
            if self.by_descriptor:
                self._fd = os.open(root, _COMMON | os.O_DIRECTORY)
            info = os.stat(self._fd if self._fd is not None else self.real_root)
        except OSError as exc:
            raise NetError(_unservable(root, exc)) from None
        if not stat.S_ISDIR(info.st_mode):
            self.close()
            raise NetError(f"{root!r} is not a folder, so there is nothing to serve.")

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            _close(fd)

    # -- looking up -------------------------------------------------------------------
    def resolve(self, parts: Sequence[str]) -> Found:
        """What the path ``parts`` (plain names, no ``..``) names inside the folder."""
        if not all(_plain(part) for part in parts):
            return OUTSIDE
        try:
            if self.by_descriptor:
                if self._fd is None:
                    return UNREADABLE  # closed
                return _Walk(self).run(list(parts))
            return self._resolve_by_path(parts)
        except (OSError, ValueError) as exc:  # never for a request: be sure anyway
            return refusal_for(exc) if isinstance(exc, OSError) else OUTSIDE

    def read(self, found: FileFound) -> Optional[bytes]:
        """The whole content of a small file (from the cache when it is unchanged), or None
        for a file larger than ``small_file`` or one that could not be read in one go:
        then stream ``found.fd`` (``found.size`` bytes)."""
        info = found.info
        if info.st_size > self.small_file:
            return None
        cached = self.cache.get(info)
        if cached is not None:
            return cached
        try:
            body = _read_exactly(found.fd, info.st_size)
            unchanged = _version(os.fstat(found.fd)) == _version(info)
        except OSError:
            return None
        if body is None:  # it got shorter: stream what there is, cache nothing
            return None
        if unchanged:
            self.cache.put(info, body)
        return body

    # -- the fallback: by path, checking the opened handle -----------------------------
    def _resolve_by_path(self, parts: Sequence[str]) -> Found:
        candidate = os.path.join(self.real_root, *parts)
        try:
            real = os.path.realpath(candidate)
        except OSError as exc:  # EINVAL: a link was replaced while realpath read it
            return MISSING if exc.errno == errno.EINVAL else refusal_for(exc)
        if not _inside(self.real_root, real):
            return OUTSIDE
        try:
            info = os.stat(real)
        except OSError as exc:
            return refusal_for(exc)
        if stat.S_ISDIR(info.st_mode):
            return FolderFound(None, info, real)
        if not stat.S_ISREG(info.st_mode):
            return NOT_ORDINARY
        try:
            fd = os.open(real, _FILE_FLAGS)
        except OSError as exc:
            return refusal_for(exc)
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                return _closing(fd, NOT_ORDINARY)
            if not self._opened_inside(fd, opened, candidate, real):
                return _closing(fd, OUTSIDE)
        except OSError as exc:
            return _closing(fd, refusal_for(exc))
        return FileFound(fd, opened, os.path.basename(real))

    def _opened_inside(self, fd: int, opened: os.stat_result, candidate: str,
                       real: str) -> bool:
        """Whether the handle opened by path is a file inside the folder: asked of the
        system where it can tell (Linux, Windows), else by checking the path again."""
        where = fd_path(fd)
        if where is not None:
            return _inside(self.real_root, where)
        try:
            return os.path.realpath(candidate) == real and \
                _identity(os.stat(real)) == _identity(opened)
        except OSError:  # changed while it was checked
            return False


class _Walk:
    """One lookup by descriptor: a stack of open folders from the root, a list of parts
    still to go (a link's target is pushed onto it), and the links followed so far."""

    def __init__(self, folder: ServedFolder):
        self.folder = folder
        self.stack: List[int] = []  # folders opened below the root, innermost last
        self.links = 0

    @property
    def here(self) -> int:
        return self.stack[-1] if self.stack else self.folder._fd

    def run(self, todo: List[str]) -> Found:
        todo.reverse()  # next part last, so pushing a link's target is cheap
        name = ""
        try:
            while todo:
                part = todo.pop()
                if part in ("", "."):
                    continue
                if part == "..":  # only ever from a link's target
                    if not self.stack:
                        return OUTSIDE
                    _close(self.stack.pop())
                    continue
                opened = self._open(part, last=not todo)
                if isinstance(opened, Refused):
                    return opened
                if opened is None:  # a link: walk its target instead
                    refused = self._follow(part, todo)
                    if refused is not None:
                        return refused
                    continue
                self.stack.append(opened)
                name = part
            return self._result(name)
        finally:
            for fd in self.stack:
                _close(fd)

    def _open(self, part: str, last: bool) -> Union[int, Refused, None]:
        """The descriptor of ``part`` in the current folder, None if it is a link."""
        here = self.here
        if last:  # look before opening, so FIFOs and devices are never opened
            try:
                info = os.stat(part, dir_fd=here, follow_symlinks=False)
            except OSError as exc:
                return refusal_for(exc)
            if stat.S_ISLNK(info.st_mode):
                return None
            if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                return NOT_ORDINARY
        try:
            return os.open(part, _FILE_FLAGS if last else _DIR_FLAGS, dir_fd=here)
        except OSError as exc:
            if exc.errno in _LINK_ERRNOS and _is_link(part, here):
                return None
            return refusal_for(exc)

    def _follow(self, part: str, todo: List[str]) -> Optional[Refused]:
        """Push the target of the link ``part`` onto ``todo``; a Refused if it may not be."""
        self.links += 1
        if self.links > MAX_LINKS:
            return TOO_MANY_LINKS
        try:
            target = os.readlink(part, dir_fd=self.here)
        except OSError as exc:
            if exc.errno == errno.EINVAL:  # no longer a link: look at the part again
                todo.append(part)
                return None
            return refusal_for(exc)
        target_parts = _parts_of(target)
        if os.path.isabs(target):
            inside = self.folder_relative(target_parts)
            if inside is None:
                return OUTSIDE
            for fd in self.stack:  # start again at the root
                _close(fd)
            self.stack = []
            target_parts = inside
        todo.extend(reversed(target_parts))
        return None

    def folder_relative(self, parts: List[str]) -> Optional[List[str]]:
        """An absolute link target as parts below the root, or None if it names no place
        inside (compared part by part with the root's spellings, before any ``..``)."""
        for spelling in self.folder._spellings:
            if parts[:len(spelling)] == spelling:
                return parts[len(spelling):]
        return None

    def _result(self, name: str) -> Found:
        if self.stack:
            fd = self.stack.pop()
        else:  # the root itself
            fd = os.open(".", _DIR_FLAGS, dir_fd=self.folder._fd)
        try:
            info = os.fstat(fd)
        except OSError as exc:
            return _closing(fd, refusal_for(exc))
        if stat.S_ISREG(info.st_mode):
            return FileFound(fd, info, name)
        if stat.S_ISDIR(info.st_mode):
            return FolderFound(fd, info)
        return _closing(fd, NOT_ORDINARY)


# -- helpers ------------------------------------------------------------------------------
def fd_path(fd: int) -> Optional[str]:
    """The path of the file an open descriptor refers to, as the system tells it; None
    where it cannot (then callers check by path)."""
    try:
        if sys.platform == "win32":
            return _windows_final_path(fd)
        if sys.platform.startswith("linux"):
            where = os.readlink(f"/proc/self/fd/{fd}")
            if where.endswith(" (deleted)"):  # renamed over or removed since: where it was
                where = where[:-len(" (deleted)")]
            return where if where.startswith("/") else None
    except (OSError, ValueError, AttributeError):
        return None
    return None


def _windows_final_path(fd: int) -> Optional[str]:  # pragma: no cover - Windows only
    import ctypes
    import msvcrt
    from ctypes import wintypes

    final_path = ctypes.WinDLL("kernel32", use_last_error=True).GetFinalPathNameByHandleW
    final_path.argtypes = [wintypes.HANDLE, wintypes.LPWSTR, wintypes.DWORD, wintypes.DWORD]
    final_path.restype = wintypes.DWORD
    handle = msvcrt.get_osfhandle(fd)
    size = 1024
    for _ in range(2):
        buffer = ctypes.create_unicode_buffer(size)
        length = final_path(handle, buffer, size, 0)  # FILE_NAME_NORMALIZED, VOLUME_NAME_DOS
        if length == 0:
            return None
        if length < size:
            path = buffer.value
            if path.startswith("\\\\?\\UNC\\"):
                return "\\\\" + path[8:]
            return path[4:] if path.startswith("\\\\?\\") else path
        size = length + 1
    return None


def _inside(root: str, path: str) -> bool:
    root, path = os.path.normcase(root), os.path.normcase(path)
    try:
        return os.path.commonpath([root, path]) == root
    except ValueError:  # different drives on Windows
        return False


def _parts_of(path: str) -> List[str]:
    """A path's names, without empty and ``.`` parts (``..`` is kept: it means something)."""
    separators = path.replace(os.altsep, os.sep) if os.altsep else path
    return [part for part in separators.split(os.sep) if part not in ("", ".")]


def _plain(part: str) -> bool:
    return bool(part) and part not in (".", "..") and "\0" not in part and os.sep not in part \
        and not (os.altsep and os.altsep in part)


def _is_link(part: str, here: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(part, dir_fd=here, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _read_exactly(fd: int, size: int) -> Optional[bytes]:
    """``size`` bytes from the start of a freshly opened file; None if it is shorter now."""
    chunks, left = [], size
    while left > 0:
        chunk = os.read(fd, left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _closing(fd: int, result: Refused) -> Refused:
    _close(fd)
    return result


def _unservable(root: str, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return f"This program is not allowed to read the folder {root!r}, so it cannot serve it."
    return f"The folder {root!r} does not exist or is not a folder, so there is nothing to serve."
