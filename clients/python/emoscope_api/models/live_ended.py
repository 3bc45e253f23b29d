from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.live_end_reason import LiveEndReason
from typing import cast
from typing import Union

if TYPE_CHECKING:
    from ..models.job_view import JobView


T = TypeVar("T", bound="LiveEnded")


@_attrs_define
class LiveEnded:
    """
    Attributes:
        reason (LiveEndReason): How a session ended.
        frames (int):
        dropped (int):
        job (Union['JobView', None, Unset]):
        error (Union[None, Unset, str]): Why the session could not go on, or could not be kept.
    """

    reason: LiveEndReason
    frames: int
    dropped: int
    job: Union["JobView", None, Unset] = UNSET
    error: Union[None, Unset, str] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_view import JobView

        reason = self.reason.value

        frames = self.frames

        dropped = self.dropped

        job: Union[None, Unset, dict[str, Any]]
        if isinstance(self.job, Unset):
            job = UNSET
        elif isinstance(self.job, JobView):
            job = self.job.to_dict()
        else:
            job = self.job

        error: Union[None, Unset, str]
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "reason": reason,
                "frames": frames,
                "dropped": dropped,
            }
        )
        if job is not UNSET:
            field_dict["job"] = job
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_view import JobView

        d = dict(src_dict)
        reason = LiveEndReason(d.pop("reason"))

        frames = d.pop("frames")

        dropped = d.pop("dropped")

        def _parse_job(data: object) -> Union["JobView", None, Unset]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                job_type_1 = JobView.from_dict(data)

                return job_type_1
            except:  # noqa: E722
                pass
            return cast(Union["JobView", None, Unset], data)

        job = _parse_job(d.pop("job", UNSET))

        def _parse_error(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        error = _parse_error(d.pop("error", UNSET))

        live_ended = cls(
            reason=reason,
            frames=frames,
            dropped=dropped,
            job=job,
            error=error,
        )

        live_ended.additional_properties = d
        return live_ended

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
