"""Compliance helpers: day-trade counting, the settlement ledger, stored day trades, status."""
