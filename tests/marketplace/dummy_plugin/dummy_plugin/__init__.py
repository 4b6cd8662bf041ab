"""Dummy plugin used by the marketplace tests."""
