from enum import Enum


class LiveEndReason(str, Enum):
    CLIENT = "client"
    CLOSED = "closed"
    DISCONNECTED = "disconnected"
    FAILED = "failed"
    MAX_SECS = "max_secs"
    NOT_READING = "not_reading"
    SHUTDOWN = "shutdown"
    TOO_MANY_MESSAGES = "too_many_messages"

    def __str__(self) -> str:
        return str(self.value)
