"""assistant.api.limits: rate-limit notation, per-scope and per-identity counting, the tightest of several limits,
and the X-RateLimit-* / Retry-After headers; in memory, without a server."""

from __future__ import annotations

import pytest

from assistant.api.limits import RateLimiter, Verdict, parse_limit
from kernel.errors import ConfigError


def test_parse_limit_reads_one_or_several_and_nothing_means_none():
    assert [(i.amount, i.get_expiry()) for i in parse_limit("10/second;600/hour")] == [(10, 1), (600, 3600)]
    assert parse_limit("") == [] and parse_limit("  ") == [] and parse_limit(None) == []


def test_bad_notation_is_a_config_error_with_an_example():
    with pytest.raises(ConfigError, match=r"bad rate limit 'lots': write it like '120/minute'"):
        parse_limit("lots")


def test_the_limit_refuses_the_request_past_it_and_counts_per_scope_and_identity():
    r = RateLimiter()
    verdicts = [r.hit("ask", "k1", "2/minute") for _ in range(3)]
    assert [v.allowed for v in verdicts] == [True, True, False]
    assert [v.remaining for v in verdicts] == [1, 0, 0] and all(v.limit == 2 for v in verdicts)
    assert 59 < verdicts[-1].reset_s < 61  # the minute's window (its start is read a moment after `now`)
    assert r.hit("ask", "k2", "2/minute").allowed  # another key
    assert r.hit("other", "k1", "2/minute").allowed  # another scope


def test_no_limit_allows_everything_without_headers():
    r = RateLimiter()
    assert all(r.hit("ask", "k", None).allowed for _ in range(50))
    assert all(r.hit("ask", "k", "").allowed for _ in range(5))
    assert r.hit("ask", "k", "").headers() == {}


@pytest.mark.parametrize("limit, expected", [("3/minute;10/hour", (3, 2)), ("10/minute;2/hour", (2, 1))])
def test_the_verdict_is_the_limit_with_the_fewest_requests_left(limit, expected):
    v = RateLimiter().hit("ask", "k", limit)
    assert (v.limit, v.remaining) == expected


def test_the_first_limit_that_refuses_gives_the_verdict():
    r = RateLimiter()
    r.hit("ask", "k", "5/minute;1/hour")
    v = r.hit("ask", "k", "5/minute;1/hour")
    assert not v.allowed and v.limit == 1 and v.reset_s > 60  # the hour's window, not the minute's


def test_headers_round_the_reset_up_and_add_retry_after_only_when_refused():
    assert Verdict(True, 5, 4, 59.2).headers() == {"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4",
                                                   "X-RateLimit-Reset": "60"}
    refused = Verdict(False, 5, 0, 0.1).headers()
    assert refused["Retry-After"] == "1" and refused["X-RateLimit-Reset"] == "1"
    assert Verdict(False, 5, 0, 0.0).headers()["Retry-After"] == "1"  # never 0: the client would retry at once


def test_a_refused_request_does_not_use_up_the_limits_after_the_one_that_refused():
    r = RateLimiter()
    r.hit("ask", "k", "1/minute;3/hour")
    assert not r.hit("ask", "k", "1/minute;3/hour").allowed
    hour = parse_limit("3/hour")[0]
    assert r.limiter.get_window_stats(hour, "ask", "k").remaining == 2  # only the allowed request counted
