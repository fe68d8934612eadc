"""Lists a page at a time: the web pages and the API page the same way, 50 rows a page."""

from models import db

PAGE_SIZE = 50


def fetch_page(query, page, *, size=PAGE_SIZE, rows=False):
    """(this page's records, whether there is a next page) of an ordered select. One row more
    than a page is read to know whether another page follows. `rows`: the query selects more
    than one thing (each result a row, not a record)."""
    query = query.limit(size + 1).offset((page - 1) * size)
    found = (db.session.execute(query) if rows else db.session.scalars(query)).all()
    return found[:size], len(found) > size


def page_of(items, page, *, size=PAGE_SIZE):
    """(this page's items, whether there is a next page) of a list already ranked in Python."""
    start = (page - 1) * size
    return items[start : start + size], len(items) > start + size
