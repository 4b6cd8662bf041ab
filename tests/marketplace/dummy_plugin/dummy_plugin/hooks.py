from marketplace import hooks

CALLS = []


@hooks.register("vm.state_transition")
def remember(instance, old_state, new_state, event):
    CALLS.append((instance, old_state, new_state, event))
    return "dummy"


@hooks.register("ui.menu_items")
def menu(request):
    return [{"label": "Dummy", "url": "/plugins/org.example.dummy/hello/"}]
