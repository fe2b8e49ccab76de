"""The bot: turns strategy signals and exit triggers into order commands."""
