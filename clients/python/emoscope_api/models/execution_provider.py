from enum import Enum


class ExecutionProvider(str, Enum):
    CPU = "cpu"
    CUDA = "cuda"

    def __str__(self) -> str:
        return str(self.value)
