"""The assemblies API (``/api/v1/assemblies``), one router per area."""

from ninja import Router

from .api_convening import router as convening
from .api_minutes import router as minutes
from .api_session import router as session
from .api_voting import router as voting

router = Router()
for area in (convening, session, voting, minutes):
    router.add_router("", area)
