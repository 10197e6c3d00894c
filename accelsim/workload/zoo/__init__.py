"""Built-in networks, loadable by name."""
from accelsim.workload.zoo import mobilenet_v1  # noqa: F401  (registers)
from accelsim.workload.zoo.registry import ZOO, ZooEntry, zoo_model

__all__ = ["ZOO", "ZooEntry", "zoo_model"]
