"""Browser pages of the compute app: instances, key pairs, infrastructure, zone wizard."""
