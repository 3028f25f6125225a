"""ChorusWatch wire contracts: versioned JSON Schema files and the frozen Python models held to them.

The public names are exactly `schemas.models.__all__`, re-exported here.
"""

from schemas import models
from schemas.models import *  # noqa: F403 - the package re-exports the models' public API

__all__ = list(models.__all__)
