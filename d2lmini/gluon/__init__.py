"""gluon: Blocks, Parameters, layers (nn), losses, Trainer and data loading."""

from ..errors import DeferredInitializationError  # noqa: F401
from . import data, loss, nn, utils  # noqa: F401
from .block import Block  # noqa: F401
from .hybrid import HybridBlock  # noqa: F401
from .paramdict import ParameterDict  # noqa: F401
from .parameter import Constant, Parameter  # noqa: F401
from .symbol import SymbolBlock  # noqa: F401
from .trainer import Trainer  # noqa: F401
