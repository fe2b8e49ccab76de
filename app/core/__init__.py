"""Core building blocks shared by every service: clock, bus, events, domain model, errors."""
