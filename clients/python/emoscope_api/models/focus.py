from enum import Enum


class Focus(str, Enum):
    ALL = "all"
    MAIN = "main"

    def __str__(self) -> str:
        return str(self.value)
