"""Sample primary storage plugin: a provider for shared (cluster or zone-wide) pools."""
