"""Portfolio helpers: average-cost ledger math, read models (views) and persistence."""
