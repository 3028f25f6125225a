"""The objects of a generated world: accounts, posts, and their wire forms (Mention v1 and labels).

Ids look like the platforms' own: a post id and an account id are "snowflakes" (milliseconds since
an epoch shifted left by 22 bits plus random low bits), so ids grow with time as on X, and an
account created last week has a larger id than one from 2014 exactly as in real data. No id, handle
or field carries the gold label.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ORGANIC = "organic"
OFFICIAL_PREFIX = "official:"
SNOWFLAKE_EPOCH_S = 1_288_834_974.657  # X's snowflake epoch (2010-11-04)

# What each platform's API tells about an author. X, Bluesky and Mastodon expose creation date and
# follower counts; Facebook's public-content APIs and Telegram channels mostly do not.
PLATFORM_FIELDS: dict[str, tuple[bool, bool, bool]] = {
    # platform: (creation date, follower count, verified flag)
    "x": (True, True, True),
    "bluesky": (True, True, False),
    "mastodon": (True, True, False),
    "facebook": (False, True, True),
    "telegram": (False, False, False),
}
PERMALINK = {
    "x": "https://x.com/{handle}/status/{id}",
    "bluesky": "https://bsky.app/profile/{handle}/post/{id}",
    "mastodon": "https://mastodon.social/@{handle}/{id}",
    "facebook": "https://facebook.com/{handle}/posts/{id}",
    "telegram": "https://t.me/{handle}/{id}",
}


@dataclass(slots=True)
class Account:
    """One author. ``role`` is the generator's own knowledge (user, outlet, official, ...), never written."""

    id: str
    handle: str
    platform: str
    created_at: float  # epoch seconds
    followers: int
    verified: bool
    langs: tuple[str, ...]
    country: str
    tz_hours: float
    rate_per_day: float
    interests: tuple[str, ...]
    role: str = "user"

    @property
    def lang(self) -> str:
        return self.langs[0]

    def age_days(self, at: float) -> float:
        return (at - self.created_at) / 86_400.0

    def to_author(self) -> dict[str, Any]:
        has_date, has_followers, has_verified = PLATFORM_FIELDS[self.platform]
        out: dict[str, Any] = {"id": self.id, "handle": self.handle}
        if has_date:
            out["created_at"] = iso(self.created_at)
        if has_followers:
            out["followers"] = self.followers
        if has_verified:
            out["verified"] = self.verified
        return out


@dataclass(slots=True)
class Post:
    """One mention with its gold label (``label``, ``topic``, ``kind``)."""

    id: str
    time: float
    account: Account
    text: str
    lang: str | None
    label: str
    topic: str
    kind: str
    links: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    repost_of: str | None = None
    reply_to: str | None = None
    quote_of: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # generator facts for tests (claim id, wave, ...)

    def to_mention(self) -> dict[str, Any]:
        """The Mention v1 wire object."""
        acc = self.account
        out: dict[str, Any] = {
            "id": self.id,
            "platform": acc.platform,
            "created_at": iso(self.time),
            "text": self.text,
            "author": acc.to_author(),
            "url": PERMALINK[acc.platform].format(handle=acc.handle, id=self.id),
        }
        if self.lang is not None:
            out["lang"] = self.lang
        if self.links:
            out["links"] = list(self.links)
        if self.hashtags:
            out["hashtags"] = list(self.hashtags)
        for key in ("repost_of", "reply_to", "quote_of"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def to_label(self) -> dict[str, Any]:
        """The label line ``choruswatch evaluate`` reads."""
        return {
            "mention_id": self.id,
            "label": self.label,
            "topic": self.topic,
            "kind": self.kind,
            "created_at": iso(self.time),
        }


def iso(epoch: float) -> str:
    """RFC 3339 UTC with milliseconds, as platforms write it."""
    dt = datetime.fromtimestamp(epoch, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class IdMint:
    """Unique snowflake ids: time in the high bits, random low bits, never repeated."""

    def __init__(self, rnd: random.Random) -> None:
        self._rnd = rnd
        self._seen: set[int] = set()

    def at(self, epoch: float) -> str:
        ms = max(0, int((epoch - SNOWFLAKE_EPOCH_S) * 1000))
        while True:
            value = (ms << 22) | self._rnd.getrandbits(22)
            if value not in self._seen:
                self._seen.add(value)
                return str(value)
