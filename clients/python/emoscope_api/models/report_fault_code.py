from enum import Enum


class ReportFaultCode(str, Enum):
    INTERNAL = "internal"
    INVALID_REPORT_REQUEST = "invalid_report_request"
    JOB_NOT_SUCCEEDED = "job_not_succeeded"
    LLM_ERROR = "llm_error"
    LLM_TIMEOUT = "llm_timeout"
    WORKER_LOST = "worker_lost"

    def __str__(self) -> str:
        return str(self.value)
