"""Pure wire codecs shared by the eval clients and the perf load generator."""
