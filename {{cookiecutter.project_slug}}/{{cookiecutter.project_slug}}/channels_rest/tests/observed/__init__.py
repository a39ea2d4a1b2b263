"""Models for the observer tests; installed by the test settings only."""
