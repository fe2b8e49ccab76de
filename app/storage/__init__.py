"""Persistence: the SQLite database (Peewee), its tables, migrations and repositories."""
