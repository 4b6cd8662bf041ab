#!/usr/bin/env bash
# The seed's CloudMonkey flow (issue 11), run with Apache CloudStack's own CLI, cloudmonkey
# 5.3.3.1, the way an operator builds a Hyper-V zone: the five commands of the seed verbatim
# (only the ids of what earlier steps created, and the agent's port, substituted), the steps
# that they imply in between (physical network, pod, cluster, primary storage), then a tenant
# who deploys an instance on the new host.
#
# Environment: CLOUDMONKEY (the launcher), PORTAL_URL (http://127.0.0.1:PORT), ADMIN_PASSWORD,
# AGENT_PORT (the Hyper-V agent standing in for 127.0.0.1:8251), TEMPLATE_URL (a VHDX image
# over HTTP), TENANT_PASSWORD. HOME holds cloudmonkey's config. Prints "vm=<id>" at the end.
set -euo pipefail

cloudmonkey() { "$CLOUDMONKEY" "$@"; }
say() { printf '+ %s\n' "$*" >&2; }
step() {  # step JQ_FILTER cloudmonkey api ...: run, show, and print the filtered answer
  local filter=$1 out
  shift
  say "$@"
  # Async commands draw a spinner on stdout while they poll the job: keep the JSON only.
  out=$("$@" | awk 'json || /^[{[]/ { json = 1; print }') || { say "failed: $1 $2 $3"; return 1; }
  printf '%s\n' "$out" >&2
  jq -er "$filter" <<<"$out" || { say "no $filter in the answer of $3"; return 1; }
}
# The operator's CLI profile: log in with the admin password once, then API keys.
cloudmonkey set url "$PORTAL_URL/client/api" >/dev/null
cloudmonkey set display json
cloudmonkey set color false
cloudmonkey set username admin
cloudmonkey set password "$ADMIN_PASSWORD"
admin=$(step '.user[0].id' cloudmonkey api listUsers username=admin)
keys=$(step '.userkeys' cloudmonkey api registerUserKeys id=$admin)
cloudmonkey set apikey "$(jq -r .apikey <<<"$keys")"
cloudmonkey set secretkey "$(jq -r .secretkey <<<"$keys")"
cloudmonkey set password ""
cloudmonkey sync

zone=$(step .zone.id cloudmonkey api createZone networktype="Advanced" securitygroupenabled="false" guestcidraddress="10.1.1.0/24" name="HybridZone" localstorageenabled="true" dns1="127.0.0.53" internaldns1="127.0.0.54" internaldns2="127.0.0.55")
physnetid=$(step .jobresult.physicalnetwork.id cloudmonkey api createPhysicalNetwork zoneid=$zone name="HybridPhysNet" isolationmethods="VLAN" vlan="500-510")
step .jobresult.traffictype.id cloudmonkey api addTrafficType physicalnetworkid=$physnetid traffictype="Guest" hypervnetworklabel="vSwitch0" >/dev/null
step .jobresult.traffictype.id cloudmonkey api addTrafficType physicalnetworkid=$physnetid traffictype="Management" hypervnetworklabel="vSwitch0" >/dev/null
step .jobresult.physicalnetwork.state cloudmonkey api updatePhysicalNetwork id=$physnetid state="Enabled" >/dev/null
pod=$(step .pod.id cloudmonkey api createPod zoneid=$zone name="HybridPod" gateway="127.0.1.1" netmask="255.255.255.0" startip="127.0.1.10" endip="127.0.1.20")
cluster=$(step '.cluster[0].id' cloudmonkey api addCluster zoneid=$zone podid=$pod clustername="HybridCluster" clustertype="CloudManaged" hypervisor="Hyperv")

step .secondarystorage.id cloudmonkey api addSecondaryStorage zoneid=$zone url="cifs://127.0.0.1/secondary?user=administrator&password=1pass%40word1" >/dev/null
host=$(step '.host[0].id' cloudmonkey api addHost zoneid=$zone podid=$pod url="http://127.0.0.1:$AGENT_PORT" password="1pass@word1" username="root" hypervisor="Hyperv" clusterid=$cluster)
step .storagepool.id cloudmonkey api createStoragePool zoneid=$zone podid=$pod clusterid=$cluster scope="cluster" name="HybridPrimary" url="cifs://127.0.0.1/primary?user=administrator&password=1pass%40word1" >/dev/null
qcNetOffId=$(step '.networkoffering[0].id' cloudmonkey api listNetworkOfferings name="QuickCloudNoServices")
network=$(step .network.id cloudmonkey api createNetwork zoneid=$zone networkofferingid=$qcNetOffId physicalnetworkid=$physnetid name="QuickCloudNetName" displaytext="QuickCloudNetDesc" vlan=untagged acltype=domain gateway="127.0.2.1" netmask="255.255.255.0" startip="127.0.2.124" endip="127.0.2.144")
step .zone.allocationstate cloudmonkey api updateZone id=$zone allocationstate="Enabled" >/dev/null

# A Windows template for Hyper-V, downloaded to the CIFS secondary storage.
ostype=$(step '.ostype[0].id' cloudmonkey api listOsTypes description="Windows Server 2022 (64-bit)")
template=$(step '.template[0].id' cloudmonkey api registerTemplate name="WinSrv2022" displaytext="Windows Server 2022" url="$TEMPLATE_URL" zoneid=$zone hypervisor="Hyperv" format="VHDX" ostypeid=$ostype ispublic="true" isfeatured="true")
for _ in $(seq 120); do
  ready=$(cloudmonkey api listTemplates templatefilter="all" id=$template | jq -r '.template[0].isready')
  [ "$ready" = true ] && break
  sleep 1
done
[ "$ready" = true ] || { say "template $template never became ready"; exit 1; }

# A tenant with its own keys deploys on the new host, through the QuickCloud network.
tenant=$(step '.account.user[0].id' cloudmonkey api createAccount accounttype=0 account="hybrid" username="hybrid" password="$TENANT_PASSWORD" email="hybrid@example.com" firstname="Hybrid" lastname="Tenant")
keys=$(step '.userkeys' cloudmonkey api registerUserKeys id=$tenant)
offering=$(step '.serviceoffering[0].id' cloudmonkey api listServiceOfferings name="Medium Instance")
cloudmonkey set profile tenant >/dev/null
cloudmonkey set url "$PORTAL_URL/client/api"
cloudmonkey set apikey "$(jq -r .apikey <<<"$keys")"
cloudmonkey set secretkey "$(jq -r .secretkey <<<"$keys")"
vm=$(step .jobresult.virtualmachine.id cloudmonkey api deployVirtualMachine zoneid=$zone serviceofferingid=$offering templateid=$template networkids=$network name="hybrid-vm1")
step '.virtualmachine[0].state | select(. == "Running")' cloudmonkey api listVirtualMachines id=$vm >/dev/null
# Back to the operator: the instance runs on the Hyper-V host added above.
cloudmonkey set profile local >/dev/null
step ".virtualmachine[0].hostid | select(. == \"$host\")" cloudmonkey api listVirtualMachines id=$vm listall=true >/dev/null
step '.host[0].state | select(. == "Up")' cloudmonkey api listHosts id=$host >/dev/null
echo "zone=$zone host=$host network=$network template=$template vm=$vm"
