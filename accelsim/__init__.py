"""accelsim: how fast, how hungry and how big is a (compressed) network on a mobile chip."""
from accelsim.api import simulate
from accelsim.errors import AccelsimError
from accelsim.hardware import available_profiles, load_profile
from accelsim.workload import load_workload

__version__ = "0.1.0"
__all__ = ["AccelsimError", "available_profiles", "load_profile", "load_workload", "run_streams", "simulate", "__version__"]


def __getattr__(name: str):
    if name == "run_streams":   # camera streams with deadlines (the engine of `accelsim stream`), loaded on use
        from accelsim.sim.streams import run_streams
        return run_streams
    raise AttributeError(f"module 'accelsim' has no attribute {name!r}")
