"""Networking: physical networks, traffic types, network offerings, guest networks, IPs, VLANs."""
