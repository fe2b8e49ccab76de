"""Risk helpers: result types, limit checks, exit checks and the trading state."""
