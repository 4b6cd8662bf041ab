"""Constant PowerShell script bodies; parameters travel as a base64 JSON document.

Nothing user-supplied is ever formatted into script text: :func:`build_script` prepends
a preamble that decodes ``$p`` from base64 (whose alphabet cannot break out of a
single-quoted PowerShell string) and appends one of the constant bodies below.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

OP_MARKER = "# cloudportal-op: "
_B64_RE = re.compile(r"^[A-Za-z0-9+/=]*$")

PREAMBLE = (
    "$ErrorActionPreference = 'Stop'\n"
    "$ProgressPreference = 'SilentlyContinue'\n"
    "$p = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('{b64}')) "
    "| ConvertFrom-Json\n"
)

VM_OBJECT = (
    "function VmInfo($vm) { [pscustomobject]@{ name = $vm.Name; id = [string]$vm.Id; "
    "state = $vm.State.ToString(); cpu_usage = [int]$vm.CPUUsage; "
    "memory_assigned = [int64]$vm.MemoryAssigned; processor_count = [int]$vm.ProcessorCount; "
    "uptime_s = [int]$vm.Uptime.TotalSeconds } }\n"
)

BODIES: dict[str, str] = {
    "host_info": """
$h = Get-VMHost
$cpu = @(Get-CimInstance Win32_Processor)
$os = Get-CimInstance Win32_OperatingSystem
[pscustomobject]@{
  name = [string]$h.ComputerName; cpus = [int]$h.LogicalProcessorCount; sockets = $cpu.Count
  speed_mhz = [int]($cpu | Select-Object -First 1).MaxClockSpeed
  memory_bytes = [int64]$h.MemoryCapacity; free_bytes = [int64]$os.FreePhysicalMemory * 1024
  version = [string]$os.Version
  cpu_load = [double](($cpu | Measure-Object -Property LoadPercentage -Average).Average)
} | ConvertTo-Json -Compress
""",
    "list_vms": VM_OBJECT
    + """
ConvertTo-Json -Compress -InputObject @(Get-VM | ForEach-Object { VmInfo $_ })
""",
    "get_vm": VM_OBJECT
    + """
ConvertTo-Json -Compress -InputObject (VmInfo (Get-VM -Name $p.name))
""",
    "create_vm": """
$vm = New-VM -Name $p.name -MemoryStartupBytes ([int64]$p.memory_bytes) `
  -Generation ([int]$p.generation) -NoVHD -Path $p.path
Set-VMProcessor -VMName $p.name -Count ([int]$p.cpus)
Set-VMMemory -VMName $p.name -StartupBytes ([int64]$p.memory_bytes) -DynamicMemoryEnabled $false
if ([int]$p.generation -eq 2) { Set-VMFirmware -VMName $p.name -EnableSecureBoot Off }
Get-VMNetworkAdapter -VMName $p.name | Remove-VMNetworkAdapter
foreach ($d in $p.disks) {
  if ($d.iso) { Add-VMDvdDrive -VMName $p.name -Path $d.path }
  else { Add-VMHardDiskDrive -VMName $p.name -Path $d.path -ControllerType SCSI }
}
foreach ($n in $p.nics) {
  Add-VMNetworkAdapter -VMName $p.name -SwitchName $n.switch -Name $n.name `
    -StaticMacAddress $n.mac
  if ($n.vlan) {
    Set-VMNetworkAdapterVlan -VMName $p.name -VMNetworkAdapterName $n.name -Access `
      -VlanId ([int]$n.vlan)
  } else { Set-VMNetworkAdapterVlan -VMName $p.name -VMNetworkAdapterName $n.name -Untagged }
}
[pscustomobject]@{ name = $vm.Name; id = [string]$vm.Id } | ConvertTo-Json -Compress
""",
    "start_vm": """
Start-VM -Name $p.name
""",
    "stop_vm": """
if ($p.forced) { Stop-VM -Name $p.name -TurnOff -Force }
else {
  # guest shutdown through integration services, hard off if it takes longer than timeout_s
  $job = Stop-VM -Name $p.name -Force -AsJob
  if (-not (Wait-Job -Job $job -Timeout ([int]$p.timeout_s))) {
    Stop-VM -Name $p.name -TurnOff -Force
  }
}
""",
    "reboot_vm": """
Restart-VM -Name $p.name -Force
""",
    "remove_vm": """
if (Get-VM -Name $p.name -ErrorAction SilentlyContinue) {
  Stop-VM -Name $p.name -TurnOff -Force
  Remove-VM -Name $p.name -Force
}
""",
    "attach_disk": """
if (-not (Get-VMHardDiskDrive -VMName $p.name | Where-Object Path -eq $p.path)) {
  Add-VMHardDiskDrive -VMName $p.name -Path $p.path -ControllerType SCSI
}
""",
    "detach_disk": """
Get-VMHardDiskDrive -VMName $p.name | Where-Object Path -eq $p.path | Remove-VMHardDiskDrive
""",
    "attach_dvd": """
$d = Get-VMDvdDrive -VMName $p.name | Select-Object -First 1
if ($d) { Set-VMDvdDrive -VMName $p.name -ControllerNumber $d.ControllerNumber `
  -ControllerLocation $d.ControllerLocation -Path $p.path }
else { Add-VMDvdDrive -VMName $p.name -Path $p.path }
""",
    "detach_dvd": """
Get-VMDvdDrive -VMName $p.name | Where-Object Path -eq $p.path | Set-VMDvdDrive -Path $null
""",
    "new_vhd": """
if (-not (Test-Path -LiteralPath $p.path)) {
  if ($p.parent) { New-VHD -Path $p.path -ParentPath $p.parent -Differencing | Out-Null }
  else { New-VHD -Path $p.path -SizeBytes ([int64]$p.size) -Dynamic | Out-Null }
}
$v = Get-VHD -Path $p.path
[pscustomobject]@{ size = [int64]$v.Size; file_size = [int64]$v.FileSize } |
  ConvertTo-Json -Compress
""",
    "migrate_vm": """
Move-VM -Name $p.name -DestinationHost $p.destination
""",
    "checkpoint_vm": """
if (-not (Get-VMHardDiskDrive -VMName $p.name | Where-Object Path -eq $p.path)) {
  throw "volume $($p.path) is not attached to $($p.name)"
}
$s = Get-VMSnapshot -VMName $p.name -Name $p.snapshot -ErrorAction SilentlyContinue
$existed = [bool]$s
if (-not $s) {
  Checkpoint-VM -Name $p.name -SnapshotName $p.snapshot
  $s = Get-VMSnapshot -VMName $p.name -Name $p.snapshot
}
$v = Get-VHD -Path $p.path
[pscustomobject]@{ id = [string]$s.Id; existed = $existed; size = [int64]$v.Size } |
  ConvertTo-Json -Compress
""",
    "remove_checkpoint": """
$s = Get-VMSnapshot -VMName $p.name -Name $p.snapshot -ErrorAction SilentlyContinue
if ($s) { $s | Remove-VMSnapshot }
[pscustomobject]@{ existed = [bool]$s } | ConvertTo-Json -Compress
""",
    "restore_checkpoint": """
$vm = Get-VM -Name $p.name
if ($vm.State -ne 'Off') { throw "VM $($p.name) is $($vm.State); stop it before reverting" }
$s = Get-VMSnapshot -VMName $p.name -Name $p.snapshot
Restore-VMSnapshot -VMSnapshot $s -Confirm:$false
$v = Get-VHD -Path $p.path
[pscustomobject]@{ id = [string]$s.Id; size = [int64]$v.Size } | ConvertTo-Json -Compress
""",
}


def build_script(op: str, params: dict[str, Any]) -> str:
    """Full script for ``op``: marker comment, preamble carrying ``params``, constant body."""
    body = BODIES[op]
    b64 = base64.b64encode(json.dumps(params).encode()).decode()
    if not _B64_RE.match(b64):  # cannot happen; guards the one substitution we make
        raise ValueError("base64 produced unexpected characters")
    return OP_MARKER + op + "\n" + PREAMBLE.replace("{b64}", b64) + body
