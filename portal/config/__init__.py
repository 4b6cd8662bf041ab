"""Configuration keys (upstream CloudStack's settings) and their catalogue; values are read
through :func:`portal.services.configuration.config_value`."""
