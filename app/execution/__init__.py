"""Execution internals: the order journal, fill path, auto-trader, reconciliation, kill switch."""
