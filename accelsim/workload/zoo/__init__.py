"""Built-in networks, loadable by name (each module registers its builders)."""
from accelsim.workload.zoo import (  # noqa: F401  (registers)
    alexnet, inception_v3, mobilenet_v1, mobilenet_v2, resnet, shufflenet_v2, squeezenet, ssd_mobilenet, tiny_ssd,
    vgg, xception, yolo)
from accelsim.workload.zoo.registry import ZOO, ZooEntry, zoo_model

__all__ = ["ZOO", "ZooEntry", "zoo_model"]
