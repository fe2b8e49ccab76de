"""Market-data building blocks shared by feeds and the market-data service (bar building)."""
