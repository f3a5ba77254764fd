"""Built-in backends; each module registers itself under ``backend:<name>``."""
