"""ChorusWatch wire contracts: versioned JSON Schema files and the frozen Python models held to them.

The public names are exactly `schemas.models.__all__` (Mention v1, Alert v1, shared helpers) and
`schemas.alert_v2.__all__` (Alert v2, the campaign alert), re-exported here.
"""

from schemas import alert_v2, models
from schemas.alert_v2 import *  # noqa: F403 - the package re-exports the Alert v2 API
from schemas.models import *  # noqa: F403 - the package re-exports the models' public API

__all__ = [*models.__all__, *alert_v2.__all__]
