"""The assemblies API (``/api/v1/assemblies``), one router per area."""

from ninja import Router

from .convening.api import router as convening
from .minutes.api import router as minutes
from .session.api import router as session
from .voting.api import router as voting

router = Router()
for area in (convening, session, voting, minutes):
    router.add_router("", area)
