"""Pages of long lists: for server-rendered pages (links that keep the other filters) and for the API."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination, PageNumberPagination


def paginate(request, items, *, size: int, param: str = "page", base_url: str = "") -> Page:
    """The page of ``items`` named by ``?<param>=``, with ``previous_url``/``next_url`` keeping the query."""
    page = Paginator(items, size).get_page(request.GET.get(param))

    def link(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"{base_url}?{query.urlencode()}"

    page.previous_url = link(page.previous_page_number()) if page.has_previous() else ""  # type: ignore[attr-defined]
    page.next_url = link(page.next_page_number()) if page.has_next() else ""  # type: ignore[attr-defined]
    return page


# --------------------------------------------------------------------------- the API's pages

# Far beyond any list the platform holds, and far inside a database's 64-bit OFFSET: a larger number
# is refused with 422 instead of overflowing the query into a 500.
MAX_OFFSET = 1_000_000_000


class LimitOffset(LimitOffsetPagination):
    """django-ninja's limit/offset pages, with the offset bounded."""

    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PageNumber(PageNumberPagination):
    """django-ninja's numbered pages, with the page number bounded."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_OFFSET)
        page_size: int | None = Field(None, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
