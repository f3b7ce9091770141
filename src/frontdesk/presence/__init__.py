"""Presence (who is at the desk) and collision hints (who is viewing or typing where)."""
