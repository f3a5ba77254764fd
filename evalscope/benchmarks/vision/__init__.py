"""Vision-language benchmarks: image questions sent as image parts (see docs/multimodal.md).

Images in the data (hub parquet ``image`` structs of ``{bytes, path}``, paths, URLs, ``data:`` URIs or bare
base64) become ``ContentImage`` parts through :mod:`evalscope.benchmarks.vision.media`; bytes held in the data
are spilled once to a temporary content-addressed folder, so a run never keeps every image in memory.
"""

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__, __name__ + "."):  # each module registers one benchmark
    if not _info.name.rsplit(".", 1)[-1].startswith("_"):
        importlib.import_module(_info.name)
