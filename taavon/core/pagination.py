"""One page of a long list for a server-rendered page, with links that keep the other filters."""

from django.core.paginator import Page, Paginator


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
