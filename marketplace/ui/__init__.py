"""Browser pages of the marketplace (root admins only)."""
