"""Evaluation backends: the Native engine and the external harnesses, behind one contract."""
