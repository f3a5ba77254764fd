"""EvalScope's dataset plugin base class (``DatasetPluginBase``), adapted to this project's contract."""
