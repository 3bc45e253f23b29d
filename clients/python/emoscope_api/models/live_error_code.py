from enum import Enum


class LiveErrorCode(str, Enum):
    FRAME_TOO_LARGE = "frame_too_large"
    INVALID_MESSAGE = "invalid_message"
    NOT_A_PICTURE = "not_a_picture"
    TOO_MANY_PIXELS = "too_many_pixels"
    TOO_MANY_SCANS = "too_many_scans"

    def __str__(self) -> str:
        return str(self.value)
