"""Storage: primary storage pools, image stores, disk offerings, templates/ISOs, volumes."""
