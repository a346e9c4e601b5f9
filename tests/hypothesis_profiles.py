"""Hypothesis profiles. `small` (the default, used by `make test`) runs a few examples,
the same ones on every run; `fuzz` (`make fuzz`, or HYPOTHESIS_PROFILE=fuzz) runs
hundreds of new ones per test and keeps failing examples to replay them first."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

# In the git-ignored local state folder, beside the embedded database.
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / ".data" / "hypothesis"

settings.register_profile("small", max_examples=8, derandomize=True, database=None)
settings.register_profile(
    "fuzz",
    max_examples=300,
    database=DirectoryBasedExampleDatabase(EXAMPLES_DIR),
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "small"))
