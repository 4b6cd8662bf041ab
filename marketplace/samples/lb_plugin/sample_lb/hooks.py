from marketplace import hooks


class HaproxyElement:
    """Network element (service provider) for the Lb service.

    ``apply(network, rules)`` is the element interface core calls
    (``networking/rule_handlers.py``): ``rules`` is the network's complete rule set, an
    ``agents.protocol.commands.ApplyNetworkRulesCommand``.
    """

    provider = "HAProxy"
    services = ("Lb",)

    def apply(self, network, rules):
        """Balance every port forward of the network: one backend per forward target."""
        members = [
            {
                "name": f"net-{network.pk}:{ip.address}:{pf.public_start}",
                "members": [(pf.private_ip, pf.private_start)],
            }
            for ip in rules.public_ips
            for pf in ip.port_forwards
        ]
        from sample_lb.models import Backend

        Backend.objects.filter(rule__startswith=f"net-{network.pk}:").delete()
        return self.apply_lb_rules(network, members)

    def apply_lb_rules(self, network, rules):
        from sample_lb.models import Backend

        for rule in rules:
            for address, port in rule["members"]:
                Backend.objects.get_or_create(rule=rule["name"], address=address, port=port)
        return True


@hooks.register("network.element")
def elements():
    return {"HAProxy": HaproxyElement}
