"""Service objects on the asyncio loop: gateway, market data, strategy, execution, risk,
compliance, portfolio."""
