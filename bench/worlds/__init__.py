"""An independent, labelled world of social-media mentions for held-out evaluation.

Run ``python -m bench.worlds --seed N --out mentions.jsonl --labels labels.jsonl [--allowlist F]
[--mentions N] [--hours H] [--profile NAME] [--manifest F]``. The world has its own model, designed
from the literature and from how platforms behave (not from ChorusWatch's detector or its own
``simulate``): a population of accounts with personas (languages, country, time zone, diurnal
rhythm, heavy-tailed age, followers and activity), outlets and influencers whose posts are reposted,
quoted and answered, subjects that rise and decay, chatter written in eight languages
(:mod:`bench.worlds.lexicon`), organic hard negatives (:mod:`bench.worlds.negatives`) and thirteen
kinds of coordinated campaign (:mod:`bench.worlds.campaigns`). Profiles are in
:mod:`bench.worlds.profiles`. The same seed, profile and sizes always give the same files.

Public API: :func:`generate` returns a :class:`World` (``posts``, ``allowlist``, ``campaigns``,
``write(...)``, ``manifest()``); :data:`PROFILES`, :data:`CAMPAIGNS`, :data:`NEGATIVES` name what exists.
"""

from bench.worlds.campaigns import CAMPAIGNS
from bench.worlds.negatives import NEGATIVES
from bench.worlds.profiles import PROFILES, Profile
from bench.worlds.world import World, generate

__all__ = ["CAMPAIGNS", "NEGATIVES", "PROFILES", "Profile", "World", "generate"]
