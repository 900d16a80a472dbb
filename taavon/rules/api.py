from django.http import HttpRequest
from ninja import Router, Schema

from .selectors import parameters_in_force

router = Router()


class ParameterOut(Schema):
    key: str
    value: str
    description: str
    reference: str
    verified: bool


@router.get("", response=list[ParameterOut], summary="Legal parameters in force today")
def list_parameters(request: HttpRequest) -> list[ParameterOut]:
    return [
        ParameterOut(key=p.key, value=p.display_value, description=p.description, reference=p.reference, verified=p.verified)
        for p in parameters_in_force()
    ]
