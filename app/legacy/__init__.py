"""Bridges from the original monolithic bots: the importer of their ``transactions.json``."""
