"""Protocol-level test doubles (WS-Management server, fake Hyper-V PowerShell)."""
