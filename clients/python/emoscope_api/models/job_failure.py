from enum import Enum


class JobFailure(str, Enum):
    DECODE_FAILED = "decode_failed"
    INTERNAL = "internal"
    MODEL_ERROR = "model_error"
    SHUTDOWN = "shutdown"
    STORE_UNAVAILABLE = "store_unavailable"
    TRUNCATED_VIDEO = "truncated_video"
    UNKNOWN_MODEL = "unknown_model"
    UNREADABLE_VIDEO = "unreadable_video"
    VIDEO_MISSING = "video_missing"
    WORKER_LOST = "worker_lost"

    def __str__(self) -> str:
        return str(self.value)
