"""Every migration, tested up and down with data in the tables it changes (SecureDrop's way).

For each revision, a module test_NN_<what it does>.py holds two tests:

- upgrade: an empty database is brought to the revision before, rows are put in every table it
  has (tests/migrations/rows.py, plain SQL: the models describe only the newest schema), the
  revision is applied; every row must still be there with the same values, and the change must
  have been made (new columns filled in as the migration says, new tables taking rows that point
  at the old ones, indexes as intended);
- downgrade: the database is brought to the revision itself and filled, including what the
  revision added; the revision is undone; the schema must be exactly that of the revision before,
  and every row of every table that remains must still be there, as the older schema holds it.

database.py does the moving and the comparing; test_schema.py checks the whole chain against the
models, and that no revision is left without its module here.
"""
