"""SNTP packets: timestamps, request, reply, the offset and delay arithmetic, and refusals."""

from __future__ import annotations

import random
import struct

import pytest

from labsuite.protocols.sntp import (NTP_TO_UNIX, PACKET_BYTES, KissOfDeath, NotOurReply, SntpError,
                                     build_reply, build_request, from_ntp, parse_reply,
                                     reference_text, to_ntp)

LAYOUT = struct.Struct("!BBbbiI4sQQQQ")
T1 = 1_770_000_000.25  # dyadic fractions survive NTP's 2**-32 s ticks exactly
ERA_1_START = 2 ** 32 - NTP_TO_UNIX  # 2036-02-07 06:28:16 UTC


def packet(leap=0, version=4, mode=4, stratum=1, poll=6, precision=-20, root_delay=0,
           root_dispersion=0, reference_id=b"NIST", reference=T1 - 60, originate=T1,
           receive=T1 + 0.5, transmit=T1 + 0.75) -> bytes:
    """A server reply with every field chosen by the test (times as Unix seconds or 0)."""
    def stamp(value):
        return to_ntp(value) if value else 0
    return LAYOUT.pack((leap << 6) | (version << 3) | mode, stratum, poll, precision, root_delay,
                       root_dispersion, reference_id, stamp(reference), stamp(originate),
                       stamp(receive), stamp(transmit))


# -- timestamps ----------------------------------------------------------------------------------

def test_unix_epoch_and_fractions():
    assert to_ntp(0) == NTP_TO_UNIX << 32
    assert to_ntp(0.5) == (NTP_TO_UNIX << 32) + 2 ** 31
    assert to_ntp(0.25) & 0xFFFFFFFF == 2 ** 30
    assert from_ntp((NTP_TO_UNIX << 32) + 2 ** 31) == 0.5


@pytest.mark.parametrize("unix", [
    -61_505_152.0,  # 1968-01-20 03:14:08, the first second the top-bit rule covers
    0.0, 1.5, T1, 1_770_000_000.999_999_761_581_420_9, ERA_1_START - 0.5,
    ERA_1_START, ERA_1_START + 0.25, 4_000_000_000.0, 4_233_462_143.5,
])
def test_timestamp_round_trip_is_exact_for_representable_times(unix):
    assert from_ntp(to_ntp(unix)) == unix


def test_timestamp_round_trip_within_a_tick_for_any_time():
    rng = random.Random(4330)
    for _ in range(5000):
        unix = rng.uniform(-60_000_000, 4_200_000_000)
        assert abs(from_ntp(to_ntp(unix)) - unix) < 1e-6


def test_era_1_wraps_the_seconds():
    assert to_ntp(ERA_1_START) == 0
    assert to_ntp(ERA_1_START + 1) >> 32 == 1
    assert from_ntp(1 << 32) == ERA_1_START + 1


def test_fraction_that_rounds_up_carries_into_the_seconds():
    assert to_ntp(0.999_999_999_99) == (NTP_TO_UNIX + 1) << 32


@pytest.mark.parametrize("unix", [-NTP_TO_UNIX, -61_505_153, 4_233_462_144, 5_000_000_000])
def test_times_ntp_cannot_express_are_refused(unix):
    with pytest.raises(ValueError):
        to_ntp(unix)


# -- request ---------------------------------------------------------------------------------------

def test_build_request_layout():
    request = build_request(T1)
    assert len(request) == PACKET_BYTES
    assert request[0] == 0x23  # LI 0, version 4, mode 3
    assert request[1:40] == bytes(39)
    assert struct.unpack("!Q", request[40:])[0] == to_ntp(T1)


# -- the full exchange ---------------------------------------------------------------------------

@pytest.mark.parametrize("t2, t3, t4, offset, delay", [
    # 0.25 s each way through the network and 0.25 s inside the server:
    (T1 + 10.25, T1 + 10.5, T1 + 0.75, 10.0, 0.5),  # server 10 s ahead
    (T1 - 9.75, T1 - 9.5, T1 + 0.75, -10.0, 0.5),  # server 10 s behind
    (T1 + 0.5, T1 + 0.5, T1 + 0.5, 0.25, 0.5),  # 0.5 s there, none back: half is misread
    (T1 + 0.25, T1 + 0.5, T1 + 0.75, 0.0, 0.5),  # clocks agree
    (T1, T1, T1, 0.0, 0.0),  # an instant network and server
    (T1 + 0.125, T1 + 0.125, T1 + 0.5, -0.125, 0.5),  # an asymmetric-looking but exact case
])
def test_round_trip_gives_the_exact_offset_and_delay(t2, t3, t4, offset, delay):
    request = build_request(T1)
    reply = parse_reply(build_reply(request, t2, t3), T1, t4)
    assert reply.offset == offset
    assert reply.delay == delay
    assert (reply.originate_time, reply.receive_time, reply.transmit_time,
            reply.destination_time) == (T1, t2, t3, t4)
    assert reply.server_time == t4 + offset


def test_reply_fields_from_build_reply():
    request = bytearray(build_request(T1))
    request[0] = (3 << 3) | 3  # a version 3 client
    request[2] = 10  # poll 2**10 s
    data = build_reply(bytes(request), T1 + 1, T1 + 2, stratum=2,
                       reference_id=bytes([192, 168, 1, 5]), reference_unix=T1 - 64)
    assert len(data) == PACKET_BYTES
    assert data[40 - 16:40 - 8] == bytes(request[40:48])  # our transmit is its originate
    reply = parse_reply(data, T1, T1 + 3)
    assert (reply.leap, reply.version, reply.mode, reply.stratum, reply.poll) == (0, 3, 4, 2, 10)
    assert reply.reference == "192.168.1.5"
    assert reply.reference_time == T1 - 64
    assert reply.precision == -20


def test_build_reply_defaults_say_local_clock_at_stratum_1():
    reply = parse_reply(build_reply(build_request(T1), T1, T1), T1, T1)
    assert reply.stratum == 1
    assert reply.reference == "LOCL"
    assert reply.reference_time == T1
    assert reply.version == 4


def test_broadcast_mode_replies_are_accepted():
    assert parse_reply(packet(mode=5), T1, T1 + 1).mode == 5


def test_root_delay_and_dispersion_are_16_16_fixed_point():
    reply = parse_reply(packet(root_delay=0x0001_8000, root_dispersion=0x0000_4000), T1, T1 + 1)
    assert reply.root_delay == 1.5
    assert reply.root_dispersion == 0.25
    assert parse_reply(packet(root_delay=-0x8000), T1, T1 + 1).root_delay == -0.5


def test_reference_text():
    assert reference_text(1, b"GPS\0") == "GPS"
    assert reference_text(1, b"NIST") == "NIST"
    assert reference_text(1, b"\x01\xffAB") == "?\ufffdAB"
    assert reference_text(3, bytes([10, 0, 0, 1])) == "10.0.0.1"


def test_never_set_reference_time_is_none():
    assert parse_reply(packet(reference=0), T1, T1 + 1).reference_time is None


def test_extension_bytes_after_the_packet_are_ignored():
    assert parse_reply(packet() + bytes(20), T1, T1 + 1).stratum == 1


# -- refusals --------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", range(PACKET_BYTES))
def test_every_truncation_of_a_reply_is_too_short(size):
    data = build_reply(build_request(T1), T1 + 1, T1 + 2)
    with pytest.raises(SntpError, match="too short"):
        parse_reply(data[:size], T1, T1 + 3)


@pytest.mark.parametrize("mode", [0, 1, 2, 3, 6, 7])
def test_wrong_mode_is_refused(mode):
    with pytest.raises(SntpError, match=f"mode {mode}"):
        parse_reply(packet(mode=mode), T1, T1 + 1)


@pytest.mark.parametrize("code, words", [("RATE", "too often"), ("DENY", "refuses"),
                                         ("XYZW", "will not give")])
def test_kiss_of_death_reports_its_code(code, words):
    with pytest.raises(KissOfDeath) as caught:
        parse_reply(packet(stratum=0, leap=3, reference_id=code.encode(), transmit=0), T1, T1 + 1)
    assert caught.value.code == code
    assert code in str(caught.value) and words in str(caught.value)
    assert isinstance(caught.value, SntpError)


def test_a_kiss_for_someone_else_is_just_a_stray_reply():
    with pytest.raises(NotOurReply):
        parse_reply(packet(stratum=0, reference_id=b"DENY", originate=T1 + 1), T1, T1 + 1)


def test_originate_mismatch_is_not_our_reply():
    with pytest.raises(NotOurReply, match="does not answer this request"):
        parse_reply(packet(originate=T1 - 1), T1, T1 + 1)
    with pytest.raises(NotOurReply):
        parse_reply(packet(originate=0), T1, T1 + 1)


def test_zero_transmit_time_is_refused():
    with pytest.raises(SntpError, match="no transmit time"):
        parse_reply(packet(transmit=0), T1, T1 + 1)


@pytest.mark.parametrize("fields", [{"leap": 3}, {"stratum": 16}, {"stratum": 255}])
def test_unsynchronised_server_is_refused(fields):
    with pytest.raises(SntpError, match="not synchronised"):
        parse_reply(packet(**fields), T1, T1 + 1)


def test_version_0_is_refused():
    with pytest.raises(SntpError, match="version 0"):
        parse_reply(packet(version=0), T1, T1 + 1)


def test_corrupted_replies_raise_only_sntp_errors():
    rng = random.Random(123)
    good = packet()
    for _ in range(3000):
        data = bytearray(good)
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            reply = parse_reply(bytes(data), T1, T1 + 1)
        except SntpError:
            continue
        assert 1 <= reply.stratum <= 15


# -- the server's side ---------------------------------------------------------------------------

@pytest.mark.parametrize("size", range(PACKET_BYTES))
def test_build_reply_refuses_short_requests(size):
    with pytest.raises(SntpError, match="too short"):
        build_reply(build_request(T1)[:size], T1, T1)


@pytest.mark.parametrize("mode", [0, 1, 2, 4, 5, 6, 7])
def test_build_reply_answers_only_client_requests(mode):
    request = bytearray(build_request(T1))
    request[0] = (4 << 3) | mode
    with pytest.raises(SntpError, match="not a client's request"):
        build_reply(bytes(request), T1, T1)


@pytest.mark.parametrize("version", [0, 5, 7])
def test_build_reply_refuses_unknown_versions(version):
    request = bytearray(build_request(T1))
    request[0] = (version << 3) | 3
    with pytest.raises(SntpError, match=f"version {version}"):
        build_reply(bytes(request), T1, T1)


def test_build_reply_to_its_own_reply_is_refused():
    reply = build_reply(build_request(T1), T1, T1)
    with pytest.raises(SntpError):
        build_reply(reply, T1, T1)  # two servers can never ping-pong


def test_build_reply_copies_a_zero_transmit_and_answers_longer_requests():
    request = bytes([0x23]) + bytes(47) + b"extension"
    data = build_reply(request, T1, T1)
    assert len(data) == PACKET_BYTES
    assert data[24:32] == bytes(8)


@pytest.mark.parametrize("kwargs", [{"stratum": 0}, {"stratum": 16}, {"reference_id": b"TOOLONG"}])
def test_build_reply_rejects_impossible_settings(kwargs):
    with pytest.raises(ValueError):
        build_reply(build_request(T1), T1, T1, **kwargs)


def test_random_datagrams_never_crash_build_reply():
    rng = random.Random(7)
    for _ in range(3000):
        size = rng.choice([0, 1, 47, 48, 49, 100])
        data = bytes(rng.randrange(256) for _ in range(size))
        try:
            reply = build_reply(data, T1, T1)
        except SntpError:
            continue
        assert len(reply) == PACKET_BYTES and reply[0] & 7 == 4
