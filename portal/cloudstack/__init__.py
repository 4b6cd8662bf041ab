"""CloudStack-compatible API at /client/api."""
