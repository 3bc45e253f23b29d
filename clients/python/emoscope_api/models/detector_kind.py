from enum import Enum


class DetectorKind(str, Enum):
    HAAR = "haar"
    YUNET = "yunet"

    def __str__(self) -> str:
        return str(self.value)
