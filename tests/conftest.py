import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def scalesim_reference() -> dict:
    return json.loads((DATA / "scalesim" / "scalesim_v3_32x32.json").read_text())["runs"]
