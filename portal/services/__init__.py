"""Service layer of the portal app: every mutation of tenancy, jobs and events goes here."""
