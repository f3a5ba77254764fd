import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402
from ragkit import EmbeddingsServer, rag_env_python  # noqa: E402


@pytest.fixture(scope="session")
def rag_python():
    return rag_env_python()


@pytest.fixture(scope="session")
def embeddings_server(rag_python, tmp_path_factory):
    server = EmbeddingsServer(rag_python, tmp_path_factory.mktemp("emb") / "server.log")
    yield server
    server.stop()
