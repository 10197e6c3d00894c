"""accelsim: how fast, how hungry and how big is a (compressed) network on a mobile chip."""
from accelsim.api import simulate
from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile
from accelsim.workload import load_workload

__version__ = "0.1.0"
__all__ = ["AccelsimError", "load_profile", "load_workload", "simulate", "__version__"]
