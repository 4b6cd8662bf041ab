"""Marketplace: vendor plugins (Django apps) and script extensions."""
