from django.http import HttpRequest
from ninja import Field, Router, Schema

from .selectors import parameters_in_force

router = Router()


class ParameterOut(Schema):
    key: str
    value: str = Field(description="The value as data: codes, a/b fractions, a–b ranges.")
    value_text: str = Field(description="The value in words, in the requested language.")
    description: str
    reference: str
    verified: bool


@router.get("", response=list[ParameterOut], summary="Legal parameters in force today")
def list_parameters(request: HttpRequest) -> list[ParameterOut]:
    return [
        ParameterOut(
            key=p.key,
            value=p.display_value,
            value_text=p.value_text,
            description=p.description,
            reference=p.reference,
            verified=p.verified,
        )
        for p in parameters_in_force()
    ]
