"""What belongs to a case, worked out from the schema, so that new tables are covered without
anyone remembering to: every table with a foreign key to `cases`, and, from those, every table
whose rows cannot exist without a row already included (ON DELETE CASCADE, or a foreign key that
cannot be empty). Each such table's path up to its case; the rows of one case; the people those
rows name, and which of them another case or record still names. Retention (retention.py) uses it.
"""

import sqlalchemy as sa

from models import db
from models.base import UTCDateTime

PEOPLE_TABLES = ("people", "person_aliases", "person_match_keys")


def owned_tables(metadata=None):
    """Tables whose rows belong to a case, in the order found (cases first)."""
    metadata = metadata or db.metadata
    owned = ["cases"]
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            if table.name in owned or table.name in PEOPLE_TABLES:
                continue
            for fk in table.foreign_keys:
                parent = fk.column.table.name
                if parent in owned and (parent == "cases" or fk.ondelete == "CASCADE" or not fk.parent.nullable):
                    owned.append(table.name)
                    changed = True
                    break
    return owned


def rows_of_case(case_id):
    """{table name: set of primary keys} of everything that belongs to the case."""
    tables = db.metadata.tables
    rows = {"cases": {case_id}}
    changed = True
    while changed:
        changed = False
        for name in owned_tables():
            table = tables[name]
            for fk in table.foreign_keys:
                parent = fk.column.table.name
                if not rows.get(parent):
                    continue
                if not (parent == "cases" or fk.ondelete == "CASCADE" or not fk.parent.nullable):
                    continue
                found = _keys(table, fk.parent.in_(rows[parent]))
                new = found - rows.setdefault(name, set())
                if new:
                    rows[name] |= new
                    changed = True
    return rows


def _keys(table, condition):
    """Primary keys (a value, or a tuple for a composite key) of the rows matching."""
    columns = list(table.primary_key.columns)
    result = db.session.execute(sa.select(*columns).where(condition)).all()
    return {row[0] if len(columns) == 1 else tuple(row) for row in result}


def where_keys(table, keys):
    columns = list(table.primary_key.columns)
    if len(columns) == 1:
        return columns[0].in_(keys)
    return sa.tuple_(*columns).in_(list(keys))


def people_of(rows):
    """The people the case's rows name."""
    tables = db.metadata.tables
    people = set()
    for name, keys in rows.items():
        table = tables[name]
        for fk in table.foreign_keys:
            if fk.column.table.name == "people" and keys:
                people |= set(db.session.scalars(sa.select(fk.parent).where(where_keys(table, keys))))
    people.discard(None)
    return people


def named_elsewhere(people, rows):
    """Of these people, those still named by a row that does not belong to the case."""
    tables = db.metadata.tables
    elsewhere = set()
    for table in db.metadata.sorted_tables:
        if table.name in PEOPLE_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name != "people":
                continue
            query = sa.select(fk.parent).where(fk.parent.in_(people))
            mine = rows.get(table.name)
            if mine:
                query = query.where(~where_keys(tables[table.name], mine))
            elsewhere |= set(db.session.scalars(query))
    return elsewhere


def _path_to_case(table, owned):
    """The foreign keys from `table` up to `cases`: its own case_id, or its parent's (through the
    foreign key that makes it belong), and so on. None for `cases` itself."""
    tables = db.metadata.tables
    if table.name == "cases":
        return None
    for fk in table.foreign_keys:
        if fk.column.table.name == "cases":
            return [fk]
    for fk in table.foreign_keys:
        parent = fk.column.table
        if parent.name in owned and parent.name != table.name and (fk.ondelete == "CASCADE" or not fk.parent.nullable):
            return [fk, *_path_to_case(tables[parent.name], owned)]
    return None


def joined_to_case(table, path, case_id):
    """`table` joined up its path to its case, and a WHERE clause for the rows of the case
    `case_id` (a value, or the `cases.id` of an enclosing query). Joins, so that each level is
    found by index: comparing each row's parent's case in a subquery read all 4 million action
    updates a case."""
    if path is None:
        return table, table.c.id == case_id
    joined = table
    for fk in path[:-1]:
        joined = joined.join(fk.column.table, fk.column == fk.parent)
    return joined, path[-1].parent == case_id


def activity_columns():
    """(table, its path to its case, timestamp column) for every timestamp in the case's tables."""
    tables = db.metadata.tables
    owned = owned_tables()
    return [
        (tables[name], _path_to_case(tables[name], owned), column)
        for name in owned
        for column in tables[name].columns
        if isinstance(column.type, UTCDateTime)
    ]
