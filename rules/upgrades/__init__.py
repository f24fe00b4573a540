"""Rules of the upgrades area."""
