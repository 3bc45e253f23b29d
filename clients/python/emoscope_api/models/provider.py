from enum import Enum


class Provider(str, Enum):
    OPENAI = "openai"
    TEMPLATE = "template"

    def __str__(self) -> str:
        return str(self.value)
