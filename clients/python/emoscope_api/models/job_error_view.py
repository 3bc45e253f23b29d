from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


from ..models.job_failure import JobFailure


T = TypeVar("T", bound="JobErrorView")


@_attrs_define
class JobErrorView:
    """
    Attributes:
        code (JobFailure): Why a job failed. `unreadable_video`, `decode_failed`, `truncated_video` and
            `video_missing` are the video's; `download_failed`, `too_large`, `not_a_video`,
            `video_too_long`, `frame_too_large` and `target_not_allowed` a video URL's; `model_error` and `unknown_model`
            the model's; `internal`,
            `store_unavailable` and `shutdown` the server's, after its retries; `worker_lost`: the worker
            analysing it died at the same point several times in a row.
        message (str):
    """

    code: JobFailure
    message: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code.value

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = JobFailure(d.pop("code"))

        message = d.pop("message")

        job_error_view = cls(
            code=code,
            message=message,
        )

        job_error_view.additional_properties = d
        return job_error_view

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
