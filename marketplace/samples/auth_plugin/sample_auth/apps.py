from marketplace.plugin import CheckResult, PortalPluginConfig


class StaticAuthConfig(PortalPluginConfig):
    name = "sample_auth"
    label = "sample_auth"
    verbose_name = "Static authenticator"
    plugin_id = "org.example.static-auth"
    version = "1.0.0"
    author = "Cloud Portal samples"
    summary = "Logs portal users in against a static list and accepts static token codes."
    description = (
        "`users` maps a portal username to the SHA-256 hex digest of its password; "
        "`tokens` maps a username to a fixed second-factor code (a stand-in for a hardware "
        "token service)."
    )
    license = "Apache-2.0"
    min_version = "0.1"
    max_version = "1.99"
    default_settings = {"users": {}, "tokens": {}}
    extension_points = ["auth.authenticate", "auth.2fa.check"]

    def self_test(self):
        users = self.get_settings()["users"]
        ok = isinstance(users, dict) and all(len(str(v)) == 64 for v in users.values())
        return [CheckResult("user list", ok, f"{len(users)} user(s)")]
