"""Local data files: readers of jsonl, json, csv, tsv and parquet rows, used by the native loader and by benchmarks."""
