"""Sample authentication plugin: a user authenticator and a second-factor provider."""
