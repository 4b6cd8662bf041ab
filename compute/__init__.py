"""Compute: zones, pods, clusters, hosts, service offerings, instances, SSH key pairs."""
