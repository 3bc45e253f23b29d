from enum import Enum


class WebhookEvent(str, Enum):
    JOB_CANCELED = "job.canceled"
    JOB_FAILED = "job.failed"
    JOB_SUCCEEDED = "job.succeeded"
    REPORT_FAILED = "report.failed"
    REPORT_SUCCEEDED = "report.succeeded"

    def __str__(self) -> str:
        return str(self.value)
