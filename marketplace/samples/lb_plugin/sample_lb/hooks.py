from marketplace import hooks


class HaproxyElement:
    """Network element (service provider) for the Lb service."""

    provider = "HAProxy"
    services = ("Lb",)

    def apply_lb_rules(self, network, rules):
        from sample_lb.models import Backend

        for rule in rules:
            for address, port in rule["members"]:
                Backend.objects.get_or_create(rule=rule["name"], address=address, port=port)
        return True


@hooks.register("network.element")
def elements():
    return {"HAProxy": HaproxyElement}
