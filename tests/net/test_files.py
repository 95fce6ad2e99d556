"""ServedFolder: lookups one part at a time, links, the cache, and racing attackers.

Every behaviour runs twice: walking by descriptor (Linux, macOS) and by path, checking the
opened handle (the Windows way, forced here so both paths run in this suite).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from labsuite.net import files
from labsuite.net.errors import NetError
from labsuite.net.files import (FileCache, FileFound, FolderFound, Listing, Refused,
                                ServedFolder)

pytestmark = [pytest.mark.timeout(30),
              pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32",
                                 reason="needs symbolic links and POSIX permissions")]

CANARY = b"CANARY-outside-the-folder"
HELLO = b"Hello from inside.\n"
NOBODY = 65534


@pytest.fixture(params=["descriptor", "path"])
def mode(request, monkeypatch):
    """Each test once walking by descriptor and once by path (the fallback)."""
    monkeypatch.setattr(files, "DESCRIPTOR_WALK", request.param == "descriptor")
    return request.param


def settled_cache(**options) -> FileCache:
    """A cache whose clock is far ahead, so files just written count as settled."""
    return FileCache(clock=lambda: time.time_ns() + 10 ** 12, **options)


def make_tree(base, contents):
    """Files (bytes), folders (None) and, for str values, symbolic links below ``base``."""
    for name, what in contents.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if what is None:
            path.mkdir()
        elif isinstance(what, bytes):
            path.write_bytes(what)
        else:
            os.symlink(what, path)


@pytest.fixture
def site(tmp_path):
    """The served folder ``root``, with canaries outside it, and links of every kind."""
    make_tree(tmp_path, {"canary.txt": CANARY, "outside/canary.txt": CANARY,
                         "root/hello.txt": HELLO, "root/docs/guide.md": b"# guide",
                         "root/withindex-out": None})
    root = tmp_path / "root"
    links = {
        "link-in": root / "hello.txt", "rel-in": "docs/guide.md", "docs/up": "../hello.txt",
        "docs/top": "..", "self": ".", "abs-root": root, "doubled": f"{root}//./hello.txt",
        "link-out": tmp_path / "canary.txt", "rel-out": "../canary.txt",
        "dir-out": tmp_path / "outside", "withindex-out/index.html": tmp_path / "canary.txt",
        "out-and-back": "../root/hello.txt", "abs-out-and-back": f"{root}/../root/hello.txt",
        "dangling": "no-such-file", "loop": "loop", "link-to-link": "link-in",
    }
    make_tree(root, {name: str(target) for name, target in links.items()})
    return root


@pytest.fixture
def folder(site, mode):
    served = ServedFolder(str(site), cache=settled_cache())
    yield served
    served.close()


def content(found) -> bytes:
    assert isinstance(found, FileFound), found
    with found:
        return os.pread(found.fd, found.size + 1, 0)


def status(found) -> int:
    if isinstance(found, Refused):
        return found.status
    found.close()
    return 200


# -- looking up -----------------------------------------------------------------------------
def test_a_file_is_found_open_with_its_fstat(folder):
    found = folder.resolve(("hello.txt",))
    assert isinstance(found, FileFound) and found.name == "hello.txt"
    assert found.size == len(HELLO) == os.fstat(found.fd).st_size
    assert (found.info.st_dev, found.info.st_ino) == \
        (os.fstat(found.fd).st_dev, os.fstat(found.fd).st_ino)
    assert content(found) == HELLO
    assert found.fd == -1
    found.close()  # closing twice is harmless


def test_folders_and_the_root(folder):
    for parts in ((), ("docs",), ("self",), ("docs", "top")):
        found = folder.resolve(parts)
        assert isinstance(found, FolderFound), parts
        found.close()
    with folder.resolve(("docs",)) as docs:
        listing = docs.listing()
    assert isinstance(listing, Listing) and listing.omitted == 0
    assert dict(listing.entries) == {"guide.md": False, "up": False, "top": True}


@pytest.mark.parametrize("parts", [("missing",), ("docs", "missing"), ("hello.txt", "x"),
                                   ("dangling",), ("a" * 300,), ("docs", "b" * 5000)])
def test_missing_and_over_long_names_are_404(folder, parts):
    assert folder.resolve(parts) == files.MISSING


@pytest.mark.parametrize("parts, expected", [
    (("link-in",), HELLO), (("rel-in",), b"# guide"), (("docs", "up"), HELLO),
    (("docs", "top", "hello.txt"), HELLO), (("self", "self", "hello.txt"), HELLO),
    (("abs-root", "docs", "guide.md"), b"# guide"), (("doubled",), HELLO),
    (("link-to-link",), HELLO), (("docs", "top", "rel-in"), b"# guide"),
])
def test_links_that_stay_inside_are_followed(folder, parts, expected):
    assert content(folder.resolve(parts)) == expected


@pytest.mark.parametrize("parts", [
    ("link-out",), ("rel-out",), ("dir-out",), ("dir-out", "canary.txt"),
    ("withindex-out", "index.html"), ("docs", "top", "link-out"), ("abs-root", "rel-out"),
])
def test_links_that_leave_are_refused(folder, parts):
    assert folder.resolve(parts) == files.OUTSIDE


def test_the_name_of_a_found_file_is_the_name_opened(folder):
    found = folder.resolve(("rel-in",))
    assert found.name == "guide.md"  # its content type comes from the real name
    found.close()


@pytest.mark.parametrize("name", ["out-and-back", "abs-out-and-back"])
def test_a_link_that_climbs_out_and_back_in(folder, mode, name):
    """By descriptor the walk never leaves the folder, so it is refused; by path the
    target is resolved first, and it names a file inside. Neither serves the outside."""
    found = folder.resolve((name,))
    if mode == "descriptor":
        assert found == files.OUTSIDE
    else:
        assert content(found) == HELLO


def test_link_loops_and_long_chains_are_refused(folder, site, mode):
    assert status(folder.resolve(("loop",))) == 403
    for number in range(files.MAX_LINKS + 1):
        os.symlink(f"chain{number + 1}" if number < files.MAX_LINKS else "hello.txt",
                   site / f"chain{number}")
    assert content(folder.resolve(("chain1",))) == HELLO  # 40 links: fine
    if mode == "descriptor":  # (realpath follows any number of links)
        assert folder.resolve(("chain0",)) == files.TOO_MANY_LINKS


@pytest.mark.parametrize("parts", [("..",), (".",), ("",), ("docs/guide.md",), ("a\0b",),
                                   ("docs", ".."), ("docs", "..", "..")])
def test_parts_that_are_not_plain_names_are_refused(folder, parts):
    assert folder.resolve(parts) == files.OUTSIDE


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_special_files_are_refused_without_being_opened(folder, site):
    os.mkfifo(site / "pipe")
    os.symlink("pipe", site / "pipe-link")
    for parts in (("pipe",), ("pipe-link",)):
        assert folder.resolve(parts) == files.NOT_ORDINARY  # and it did not block
    assert folder.resolve(("pipe", "x")) == files.MISSING


def test_nothing_a_request_sends_makes_it_raise(folder):
    hostile = ["\udcff", "é" * 200, "con", " ", "\x7f", "a\nb", "~", "%2e%2e", "x" * 256,
               "\u202e", "link-in", "dir-out", "loop", "docs"]
    for first in hostile:
        for second in hostile[:6] + [None]:
            parts = (first,) if second is None else (first, second)
            assert status(folder.resolve(parts)) in (200, 403, 404)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
def test_no_descriptor_is_left_open(folder):
    before = len(os.listdir("/proc/self/fd"))
    for parts in [("docs", "top", "docs", "up"), ("dir-out", "canary.txt"), ("loop",),
                  ("docs", "missing"), ("hello.txt", "x"), ("abs-root", "rel-out")] * 20:
        status(folder.resolve(parts))
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_root_that_cannot_be_served_is_a_plain_error(tmp_path, mode):
    (tmp_path / "file").write_bytes(b"x")
    for root in (tmp_path / "nope", tmp_path / "file"):
        with pytest.raises(NetError) as caught:
            ServedFolder(str(root))
        assert str(root) in caught.value.explanation


def test_a_closed_folder_refuses_politely(site, mode):
    served = ServedFolder(str(site))
    served.close()
    served.close()
    if mode == "descriptor":
        assert served.resolve(("hello.txt",)) == files.UNREADABLE


# -- listings -------------------------------------------------------------------------------
def test_a_listing_is_bounded_and_counts_the_rest(folder, site):
    big = site / "big"
    big.mkdir()
    for number in range(25):
        (big / f"f{number}").write_bytes(b"")
    os.close(os.open(os.fsencode(big) + b"/bad\xff", os.O_CREAT | os.O_WRONLY))
    with folder.resolve(("big",)) as found:
        whole, cut = found.listing(), found.listing(limit=10)
    assert len(whole.entries) == 26 and whole.omitted == 0
    assert "bad\udcff" in dict(whole.entries)  # undecodable bytes as surrogate escapes
    assert len(cut.entries) == 10 and cut.omitted == 16


def test_a_folder_swapped_for_a_link_before_listing_is_refused(folder, site, tmp_path, mode):
    found = folder.resolve(("docs",))
    os.rename(site / "docs", site / "docs.moved")
    os.symlink(tmp_path / "outside", site / "docs")
    listing = found.listing()
    found.close()
    if mode == "path":
        assert listing == files.OUTSIDE
    else:  # the descriptor still is the folder found
        assert "guide.md" in dict(listing.entries)


# -- reading and the cache ------------------------------------------------------------------
def read(folder, *parts) -> bytes:
    with folder.resolve(parts) as found:
        return folder.read(found)


def test_small_files_are_read_whole_and_cached_by_identity(folder, site):
    assert read(folder, "hello.txt") == HELLO
    info = os.stat(site / "hello.txt")
    assert folder.cache.keys() == [(info.st_dev, info.st_ino)]
    assert read(folder, "link-in") == HELLO  # another path to the same file: same entry
    assert len(folder.cache) == 1 and folder.cache.hits == 1


def test_a_changed_file_is_read_again(folder, site):
    path = site / "hello.txt"
    os.utime(path, ns=(10 ** 18, 10 ** 18))
    assert read(folder, "hello.txt") == HELLO
    path.write_bytes(HELLO.upper())  # the same size, and one nanosecond apart
    os.utime(path, ns=(10 ** 18 + 1, 10 ** 18 + 1))
    assert read(folder, "hello.txt") == HELLO.upper()
    assert folder.cache.misses == 2 and len(folder.cache) == 1


def test_a_change_of_mode_or_owner_is_a_miss(folder, site):
    assert read(folder, "hello.txt") == HELLO
    os.chmod(site / "hello.txt", 0o600)
    assert read(folder, "hello.txt") == HELLO and folder.cache.misses == 2
    os.link(site / "hello.txt", site / "another-name")  # the link count changes
    assert read(folder, "hello.txt") == HELLO and folder.cache.misses == 3
    assert read(folder, "another-name") == HELLO and folder.cache.hits == 1


def test_a_replaced_file_is_a_different_key(folder, site):
    assert read(folder, "hello.txt") == HELLO
    old = folder.cache.keys()
    (site / "new.txt").write_bytes(b"replacement")
    os.replace(site / "new.txt", site / "hello.txt")
    assert read(folder, "hello.txt") == b"replacement"
    assert folder.cache.keys()[-1] not in old


def test_files_changed_a_moment_ago_are_not_cached(site, mode):
    with ServedFolder(str(site)) as served:  # the real clock
        assert read(served, "hello.txt") == HELLO
        assert len(served.cache) == 0


def test_large_files_are_streamed_not_read(folder, site):
    (site / "big.bin").write_bytes(b"x" * (files.SMALL_FILE + 1))
    with folder.resolve(("big.bin",)) as found:
        assert folder.read(found) is None and found.size == files.SMALL_FILE + 1
    assert len(folder.cache) == 0


def test_a_file_that_shrinks_while_read_is_not_cached(folder, site):
    found = folder.resolve(("hello.txt",))
    os.truncate(site / "hello.txt", 3)
    assert folder.read(found) is None
    found.close()
    assert len(folder.cache) == 0 and read(folder, "hello.txt") == HELLO[:3]


def test_the_cache_drops_the_least_recently_used(site, mode):
    for name in "abcd":
        (site / name).write_bytes(name.encode() * 10)
    with ServedFolder(str(site), cache=settled_cache(max_bytes=30)) as served:
        for name in "abc":
            read(served, name)
        read(served, "a")  # a is now the most recently used
        read(served, "d")  # 40 bytes would not fit: b goes, not the newest
        kept = {os.stat(site / name).st_ino for name in "acd"}
        assert {ino for _, ino in served.cache.keys()} == kept
        assert served.cache.size == 30
        assert [ino for _, ino in served.cache.keys()][-1] == os.stat(site / "d").st_ino


def test_a_file_larger_than_the_whole_cache_is_not_kept(site, mode):
    with ServedFolder(str(site), cache=settled_cache(max_bytes=4)) as served:
        assert read(served, "hello.txt") == HELLO and len(served.cache) == 0


# -- permissions ----------------------------------------------------------------------------
def test_removing_read_permission_refuses_at_once(folder, site):
    if os.geteuid() == 0:
        pytest.skip("root reads anything: see the two tests below")
    assert read(folder, "hello.txt") == HELLO
    os.chmod(site / "hello.txt", 0)
    assert folder.resolve(("hello.txt",)) == files.NO_PERMISSION
    os.chmod(site / "docs", 0)
    assert folder.resolve(("docs", "guide.md")) == files.NO_PERMISSION


def test_a_cached_file_replaced_by_an_unreadable_one_is_served_afresh(folder, site):
    """What root can check: the new file is a new key and its own fd is what is read."""
    assert read(folder, "hello.txt") == HELLO
    old = folder.cache.keys()
    replacement = site / "replacement"
    replacement.write_bytes(b"mode 000, owned by nobody")
    os.chmod(replacement, 0)
    if os.geteuid() == 0:
        os.chown(replacement, NOBODY, NOBODY)
    os.replace(replacement, site / "hello.txt")
    found = folder.resolve(("hello.txt",))
    if os.geteuid() != 0:
        assert found == files.NO_PERMISSION
        return
    with found:
        assert (found.info.st_uid, found.info.st_mode & 0o777) == (NOBODY, 0)
        assert (found.info.st_dev, found.info.st_ino) not in old
        assert folder.read(found) == b"mode 000, owned by nobody"
    assert folder.cache.keys()[-1] == (found.info.st_dev, found.info.st_ino)


def test_permission_removed_from_a_cached_file_as_an_ordinary_user(site, mode):
    """As root, drop to nobody in a forked child and check real permission refusals."""
    if os.geteuid() != 0 or not hasattr(os, "fork"):
        pytest.skip("needs root to become another user")
    if mode == "path":
        pytest.skip("by path, nobody cannot reach the test's private temporary folder")
    os.chmod(site, 0o755)
    os.chmod(site / "hello.txt", 0o644)
    os.chown(site / "hello.txt", NOBODY, NOBODY)
    served = ServedFolder(str(site), cache=settled_cache())  # opened while root
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            found = served.resolve(("hello.txt",))
            first = served.read(found)
            cached = len(served.cache)
            os.fchmod(found.fd, 0)  # the owner takes away its own read permission
            found.close()
            again = served.resolve(("hello.txt",))
            os.write(writer, repr((first, cached, again)).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        report = pipe.read().decode()
    os.waitpid(pid, 0)
    served.close()
    assert report == repr((HELLO, 1, files.NO_PERMISSION)), report


# -- racing an attacker ---------------------------------------------------------------------
SWAPPER = textwrap.dedent("""
    import os, sys, time
    os.chdir(sys.argv[1])
    what, target, limit = sys.argv[2], sys.argv[3], int(sys.argv[4])
    deadline = time.monotonic() + float(sys.argv[5])
    print("ready", flush=True)
    swaps = 0
    while swaps < limit and time.monotonic() < deadline:
        if what == "folder":  # real folder -> link -> real folder
            os.rename("sub", "sub.real")
            os.symlink(target, "sub")
            os.unlink("sub")
            os.rename("sub.real", "sub")
        else:  # real file <-> link, each swap one atomic rename
            os.symlink(target, "page.new")
            os.replace("page.new", "page.txt")
            os.link("page.keep", "page.new")
            os.replace("page.new", "page.txt")
        swaps += 1
    print(swaps, flush=True)
""")


@pytest.fixture
def racing_site(tmp_path):
    """``sub/secret.txt`` and ``page.txt`` inside; the same names outside hold the canary."""
    make_tree(tmp_path, {"secret.txt": CANARY, "page.txt": CANARY, "outside/secret.txt": CANARY,
                         "root/sub/secret.txt": HELLO, "root/page.keep": HELLO})
    root = tmp_path / "root"
    os.link(root / "page.keep", root / "page.txt")
    return root


@pytest.mark.timeout(60)
@pytest.mark.parametrize("what, target", [("folder", ".."), ("folder", "{outside}"),
                                          ("file", "../secret.txt")])
def test_swapping_parts_for_links_never_serves_the_outside(racing_site, mode, what, target):
    target = target.format(outside=racing_site.parent / "outside")
    parts = ("sub", "secret.txt") if what == "folder" else ("page.txt",)
    served = ServedFolder(str(racing_site), cache=settled_cache())
    swapper = subprocess.Popen([sys.executable, "-c", SWAPPER, str(racing_site), what, target,
                                "20000", "2"], stdout=subprocess.PIPE, text=True)
    try:
        assert swapper.stdout.readline() == "ready\n"
        outcomes = {"inside": 0, "refused": 0}
        for _ in range(200_000):
            if swapper.poll() is not None:
                break
            found = served.resolve(parts)
            if isinstance(found, Refused):
                assert found.status in (403, 404), found
                outcomes["refused"] += 1
                continue
            with found:
                body = served.read(found)
                if body is None:  # the file changed under the read: read it raw
                    body = os.pread(found.fd, 4096, 0)
            assert CANARY not in body
            assert body == HELLO
            outcomes["inside"] += 1
        swaps = int(swapper.communicate(timeout=20)[0])
    finally:
        if swapper.poll() is None:
            swapper.kill()
            swapper.communicate()
    assert swaps > 0 and outcomes["inside"] > 0 and outcomes["refused"] > 0, (swaps, outcomes)
    # put back (the swapper always ends on the real one): the right file, nothing poisoned
    assert read(served, *parts) == HELLO
    canary = os.stat(racing_site.parent / "secret.txt")
    assert (canary.st_dev, canary.st_ino) not in served.cache.keys()
    served.close()


# -- the fallback's own checks --------------------------------------------------------------
def test_by_path_a_file_replaced_just_after_opening_is_still_inside(site, monkeypatch):
    monkeypatch.setattr(files, "DESCRIPTOR_WALK", False)
    real_open = os.open

    def open_then_replace(path, flags, *args, **kwargs):
        fd = real_open(path, flags, *args, **kwargs)
        if str(path).endswith("hello.txt"):  # the name now belongs to another file
            (site / "other").write_bytes(b"other")
            os.replace(site / "other", site / "hello.txt")
        return fd

    with ServedFolder(str(site)) as served:
        monkeypatch.setattr(os, "open", open_then_replace)
        assert content(served.resolve(("hello.txt",))) == HELLO  # the file that was opened


@pytest.mark.parametrize("parts, expected", [
    (("hello.txt",), 200), (("link-in",), 200), (("docs", "up"), 200), (("link-out",), 403),
    (("dir-out", "canary.txt"), 403), (("withindex-out", "index.html"), 403), (("missing",), 404),
])
def test_by_path_where_the_system_cannot_name_an_open_file(site, monkeypatch, parts, expected):
    monkeypatch.setattr(files, "DESCRIPTOR_WALK", False)
    monkeypatch.setattr(files, "fd_path", lambda fd: None)  # checked by path and identity
    with ServedFolder(str(site)) as served:
        assert status(served.resolve(parts)) == expected
