"""djangochannelsrestframework 1.3.0 from PyPI, installed in the benchmark's environment only."""

from benchapp.variants.api import build_consumer

ItemConsumer = build_consumer("djangochannelsrestframework")
