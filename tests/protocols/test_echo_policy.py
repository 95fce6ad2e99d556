"""Echo rules without sockets: reply matching by byte offset, UDP answer policy, drop log."""

from __future__ import annotations

import itertools

import pytest

from labsuite.protocols.echo import (MAX_DATAGRAM, Decision, DropLog, EchoReply, ReplyMatcher,
                                     TokenBucket, UdpEchoPolicy)

# -- ReplyMatcher ------------------------------------------------------------------------
SENDS = [b"ab", b"cde", b"\xff\xfe", b"f"]
STREAM = b"".join(SENDS)


def feed_in_pieces(cuts) -> list:
    matcher = ReplyMatcher()
    for number, data in enumerate(SENDS):
        matcher.sent(len(data), now=float(number))
    replies, start = [], 0
    for cut in list(cuts) + [len(STREAM)]:
        replies += matcher.received(STREAM[start:cut], now=10.0)
        start = cut
    return replies, matcher


@pytest.mark.parametrize("pieces", [1, 2, 3])
def test_every_split_of_the_echo_gives_each_send_back_whole(pieces):
    for cuts in itertools.combinations(range(1, len(STREAM)), pieces - 1):
        replies, matcher = feed_in_pieces(cuts)
        assert [seq for seq, _ in replies] == [1, 2, 3, 4]
        assert [reply.data for _, reply in replies] == SENDS
        assert matcher.outstanding == 0 and matcher.unexpected == 0


def test_reply_carries_text_with_replacement_and_rtt_from_its_own_send():
    replies, _ = feed_in_pieces([])
    assert replies[1][1] == EchoReply(b"cde", "cde", 9.0)
    assert replies[2][1].text == "\ufffd\ufffd"
    assert replies[3][1].rtt == 7.0


def test_partial_echo_is_outstanding_until_the_last_byte():
    matcher = ReplyMatcher()
    matcher.sent(5, now=0.0)
    assert matcher.received(b"hel", now=1.0) == []
    assert matcher.outstanding == 2
    [(seq, reply)] = matcher.received(b"lo", now=2.0)
    assert (seq, reply.data, reply.rtt) == (1, b"hello", 2.0)


def test_bytes_beyond_every_send_are_only_counted():
    matcher = ReplyMatcher()
    assert matcher.received(b"welcome!", now=0.0) == []
    matcher.sent(2, now=0.0)
    [(_, reply)] = matcher.received(b"hi+extra", now=0.5)
    assert reply.data == b"hi" and matcher.unexpected == len(b"welcome!") + len(b"+extra")


def test_a_clock_that_steps_back_gives_zero_rtt_and_empty_sends_are_refused():
    matcher = ReplyMatcher()
    matcher.sent(1, now=5.0)
    assert matcher.received(b"x", now=4.0)[0][1].rtt == 0.0
    with pytest.raises(ValueError):
        matcher.sent(0, now=0.0)


# -- UdpEchoPolicy: addresses ------------------------------------------------------------
def refused(host, port=40000, policy=None, size=10) -> Decision:
    decision = (policy or UdpEchoPolicy()).decide(host, port, size, now=0.0)
    assert not decision.allow, (host, port)
    return decision


@pytest.mark.parametrize("port", [0, 7, 19, 53, 123, 1023])
def test_source_ports_below_1024_are_never_answered(port):
    assert "below 1024" in refused("127.0.0.1", port).reason


def test_source_port_1024_and_above_is_answered():
    for port in (1024, 40000, 65535):
        assert UdpEchoPolicy().decide("127.0.0.1", port, 10, now=0.0) == Decision(True, "", 10)


@pytest.mark.parametrize("host", ["255.255.255.255", "::ffff:255.255.255.255"])
def test_limited_broadcast_is_refused(host):
    assert "broadcast" in refused(host).reason


def test_subnet_broadcast_of_a_local_network_is_refused_but_its_hosts_are_not():
    policy = UdpEchoPolicy(local_networks=["192.168.1.7/24", "10.0.0.0/8"])
    assert "broadcast" in refused("192.168.1.255", policy=policy).reason
    assert "broadcast" in refused("10.255.255.255", policy=policy).reason
    assert policy.decide("192.168.1.254", 40000, 1, now=0.0).allow
    # Without knowing the netmask, x.x.x.255 may be an ordinary host (e.g. in a /23).
    assert UdpEchoPolicy().decide("192.168.1.255", 40000, 1, now=0.0).allow


@pytest.mark.parametrize("host", ["224.0.0.1", "239.255.255.250", "ff02::1", "::ffff:224.0.0.251"])
def test_multicast_sources_are_refused(host):
    assert "multicast" in refused(host).reason


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_unspecified_sources_are_refused(host):
    assert "not a real sender" in refused(host).reason


@pytest.mark.parametrize("host", ["example.com", "", "1.2.3", "::1::2"])
def test_sources_that_are_not_addresses_are_refused(host):
    assert "not an IP address" in refused(host).reason


def test_ipv6_unicast_and_scoped_link_local_are_answered():
    policy = UdpEchoPolicy()
    assert policy.decide("::1", 40000, 3, now=0.0).allow
    assert policy.decide("fe80::1%eth0", 40000, 3, now=0.0).allow


# -- UdpEchoPolicy: size -----------------------------------------------------------------
def test_reply_is_never_larger_than_the_request_nor_the_datagram_limit():
    policy = UdpEchoPolicy()
    assert policy.decide("127.0.0.1", 40000, MAX_DATAGRAM, now=0.0) == Decision(True, "", 1472)
    big = policy.decide("127.0.0.1", 40000, 9000, now=0.0)
    assert big.allow and big.size == MAX_DATAGRAM and "first 1472 of 9000" in big.reason
    assert policy.decide("127.0.0.1", 40000, 0, now=0.0) == Decision(True, "", 0)


# -- UdpEchoPolicy: rate limits ----------------------------------------------------------
def test_per_source_limit_allows_a_burst_then_refills_with_time():
    policy = UdpEchoPolicy(per_source_rate=2.0, per_source_burst=3)
    assert [policy.decide("10.0.0.5", 5000, 1, now=0.0).allow for _ in range(4)] == \
        [True, True, True, False]
    assert "10.0.0.5" in policy.decide("10.0.0.5", 5000, 1, now=0.1).reason
    assert policy.decide("10.0.0.5", 6000, 1, now=0.5).allow  # 0.5 s at 2/s: one more
    assert not policy.decide("10.0.0.5", 6000, 1, now=0.5).allow
    assert policy.decide("10.0.0.6", 5000, 1, now=0.5).allow  # another sender is unaffected


def test_per_source_limit_counts_the_host_whatever_the_port():
    policy = UdpEchoPolicy(per_source_rate=0.0, per_source_burst=2)
    assert [policy.decide("10.0.0.5", port, 1, now=0.0).allow for port in (5000, 5001, 5002)] \
        == [True, True, False]


def test_global_limit_caps_many_senders_together():
    policy = UdpEchoPolicy(rate=10.0, burst=5, per_source_burst=100)
    answers = [policy.decide(f"10.0.1.{n}", 5000, 1, now=0.0) for n in range(1, 8)]
    assert [a.allow for a in answers] == [True] * 5 + [False] * 2
    assert "whole server" in answers[-1].reason
    assert policy.decide("10.0.1.99", 5000, 1, now=0.1).allow  # 0.1 s at 10/s: one more


def test_a_refusal_for_one_limit_does_not_spend_the_other():
    policy = UdpEchoPolicy(rate=0.0, burst=1, per_source_rate=0.0, per_source_burst=1)
    assert policy.decide("10.0.0.1", 5000, 1, now=0.0).allow
    assert not policy.decide("10.0.0.2", 5000, 1, now=0.0).allow  # global bucket empty
    assert policy._sources["10.0.0.2"].tokens == 1  # its own token was not taken


def test_a_clock_that_steps_back_adds_no_tokens():
    bucket = TokenBucket(rate=1.0, burst=2, now=100.0)
    bucket.tokens = 0
    assert bucket.refill(50.0) == 0
    assert bucket.refill(100.5) == pytest.approx(0.5)


def test_sender_table_stays_bounded_and_forgets_the_least_recently_seen():
    policy = UdpEchoPolicy(max_sources=8, per_source_rate=0.0, per_source_burst=1, burst=10**6)
    assert policy.decide("10.9.0.1", 5000, 1, now=0.0).allow  # spends its only token
    for n in range(2, 1000):  # a spoofed-source flood, touching 10.9.0.1 now and then
        policy.decide(f"10.0.{n // 256}.{n % 256}", 5000, 1, now=0.0)
        if n % 5 == 0:
            assert not policy.decide("10.9.0.1", 5000, 1, now=0.0).allow
        assert policy.tracked_sources <= 8
    assert "10.9.0.1" in policy._sources and "10.0.0.2" not in policy._sources


# -- DropLog -----------------------------------------------------------------------------
def test_drop_log_reports_the_first_at_once_then_at_most_once_per_interval():
    log = DropLog(interval=1.0)
    assert log.dropped("1.2.3.4:53", "port below 1024", now=0.0) == \
        "Dropped a UDP datagram from 1.2.3.4:53: port below 1024"
    assert log.due(0.0) is None
    assert [log.dropped("1.2.3.4:53", "again", now=t) for t in (0.1, 0.2, 0.3)] == [None] * 3
    assert log.pending == 3 and log.due(0.5) == pytest.approx(0.5)
    assert log.flush(0.9) is None
    assert log.flush(1.0) == "Dropped 3 more UDP datagrams; the latest from 1.2.3.4:53: again"
    assert log.pending == 0 and log.flush(5.0) is None and log.due(5.0) is None


def test_drop_log_folds_the_count_into_the_next_line_when_a_drop_comes_late():
    log = DropLog(interval=1.0)
    log.dropped("a", "x", now=0.0)
    log.dropped("a", "y", now=0.5)
    assert log.dropped("b", "z", now=1.5) == \
        "Dropped a UDP datagram from b: z (1 more dropped since the last report)"
    log.dropped("b", "z", now=1.6)
    assert log.flush(2.6) == "Dropped 1 more UDP datagram; the latest from b: z"
