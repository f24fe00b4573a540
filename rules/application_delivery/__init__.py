"""Rules of the application-delivery area."""
