"""Hyper-V resource: PowerShell over WinRM (pywinrm) plus SMB storage (smbprotocol)."""
