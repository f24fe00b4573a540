"""Rules of the application-services area."""
