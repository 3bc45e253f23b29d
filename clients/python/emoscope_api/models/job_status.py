from enum import Enum


class JobStatus(str, Enum):
    CANCELED = "canceled"
    DOWNLOADING = "downloading"
    FAILED = "failed"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
