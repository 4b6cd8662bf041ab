"""Sample UI/API plugin: a menu item, a template slot, an API endpoint and a /client/api
command (getStatusPage)."""
