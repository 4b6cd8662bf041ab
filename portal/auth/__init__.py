"""Browser login: throttling, lockout after repeated failures, TOTP second factor."""
