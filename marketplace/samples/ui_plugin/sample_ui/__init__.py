"""Sample UI/API plugin: a menu item, a template slot and an API endpoint."""
