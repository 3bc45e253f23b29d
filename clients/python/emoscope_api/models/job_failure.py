from enum import Enum


class JobFailure(str, Enum):
    DECODE_FAILED = "decode_failed"
    DOWNLOAD_FAILED = "download_failed"
    FRAME_TOO_LARGE = "frame_too_large"
    INTERNAL = "internal"
    MODEL_ERROR = "model_error"
    NOT_A_VIDEO = "not_a_video"
    SHUTDOWN = "shutdown"
    STORE_UNAVAILABLE = "store_unavailable"
    TARGET_NOT_ALLOWED = "target_not_allowed"
    TOO_LARGE = "too_large"
    TRUNCATED_VIDEO = "truncated_video"
    UNKNOWN_MODEL = "unknown_model"
    UNREADABLE_VIDEO = "unreadable_video"
    VIDEO_MISSING = "video_missing"
    VIDEO_TOO_LONG = "video_too_long"
    WORKER_LOST = "worker_lost"

    def __str__(self) -> str:
        return str(self.value)
