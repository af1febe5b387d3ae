"""Files in and out: atomic writes, text files in any of the usual encodings, bounded YAML,
exact JSON, the resources shipped with the package. Nothing here knows the mathematics."""
