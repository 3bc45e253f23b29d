from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.job_status import JobStatus
from dateutil.parser import isoparse
from typing import cast
from typing import Union
import datetime

if TYPE_CHECKING:
    from ..models.links import Links
    from ..models.video_view import VideoView
    from ..models.progress_view import ProgressView
    from ..models.options_view import OptionsView
    from ..models.job_error_view import JobErrorView


T = TypeVar("T", bound="JobView")


@_attrs_define
class JobView:
    """
    Example:
        {'attempts': 1, 'cancel_requested': False, 'created_at': '2026-11-27T11:30:32.151Z', 'error': None,
            'finished_at': '2026-11-27T11:30:32.646Z', 'id': '019ac6a1-7441-76ea-a89d-2fb3757ceca0', 'links': {'annotated':
            None, 'emotions': '/v1/jobs/019ac6a1-7441-76ea-a89d-2fb3757ceca0/emotions', 'people':
            '/v1/jobs/019ac6a1-7441-76ea-a89d-2fb3757ceca0/people', 'self': '/v1/jobs/019ac6a1-7441-76ea-a89d-2fb3757ceca0',
            'timeline': '/v1/jobs/019ac6a1-7441-76ea-a89d-2fb3757ceca0/timeline'}, 'options': {'annotate': False,
            'callback_url': None, 'detector': 'yunet', 'focus': 'all', 'keep_video': False, 'min_face_px': 24,
            'min_track_ms': 1000, 'model': 'emonet', 'sample_fps': 5.0, 'tracking': True}, 'progress': {'frames_done': 40,
            'frames_total': 40, 'percent': 100.0}, 'started_at': '2026-11-27T11:30:32.153Z', 'status': 'succeeded',
            'updated_at': '2026-11-27T11:30:32.646Z', 'video': {'codec': 'h264', 'duration_ms': 8000, 'fps': 30.0,
            'frame_count': 240, 'height': 360, 'name': 'interview.mp4', 'size_bytes': 326910, 'stored': False, 'width':
            640}, 'warnings': []}

    Attributes:
        id (str):  Example: 019abf3c-54d2-7c41-9a43-35b1c8d2e0aa.
        status (JobStatus):
        progress (ProgressView):
        created_at (datetime.datetime): RFC 3339, UTC.
        updated_at (datetime.datetime):
        video (VideoView):
        options (OptionsView):
        attempts (int): How many times a worker has taken the job.
        cancel_requested (bool):
        warnings (list[str]): Things that make the result less reliable, e.g. the detector fallback.
        links (Links):
        started_at (Union[None, Unset, datetime.datetime]):
        finished_at (Union[None, Unset, datetime.datetime]):
        error (Union['JobErrorView', None, Unset]):
    """

    id: str
    status: JobStatus
    progress: "ProgressView"
    created_at: datetime.datetime
    updated_at: datetime.datetime
    video: "VideoView"
    options: "OptionsView"
    attempts: int
    cancel_requested: bool
    warnings: list[str]
    links: "Links"
    started_at: Union[None, Unset, datetime.datetime] = UNSET
    finished_at: Union[None, Unset, datetime.datetime] = UNSET
    error: Union["JobErrorView", None, Unset] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_error_view import JobErrorView

        id = self.id

        status = self.status.value

        progress = self.progress.to_dict()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        video = self.video.to_dict()

        options = self.options.to_dict()

        attempts = self.attempts

        cancel_requested = self.cancel_requested

        warnings = self.warnings

        links = self.links.to_dict()

        started_at: Union[None, Unset, str]
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: Union[None, Unset, str]
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        error: Union[None, Unset, dict[str, Any]]
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, JobErrorView):
            error = self.error.to_dict()
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "progress": progress,
                "created_at": created_at,
                "updated_at": updated_at,
                "video": video,
                "options": options,
                "attempts": attempts,
                "cancel_requested": cancel_requested,
                "warnings": warnings,
                "links": links,
            }
        )
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.links import Links
        from ..models.video_view import VideoView
        from ..models.progress_view import ProgressView
        from ..models.options_view import OptionsView
        from ..models.job_error_view import JobErrorView

        d = dict(src_dict)
        id = d.pop("id")

        status = JobStatus(d.pop("status"))

        progress = ProgressView.from_dict(d.pop("progress"))

        created_at = isoparse(d.pop("created_at"))

        updated_at = isoparse(d.pop("updated_at"))

        video = VideoView.from_dict(d.pop("video"))

        options = OptionsView.from_dict(d.pop("options"))

        attempts = d.pop("attempts")

        cancel_requested = d.pop("cancel_requested")

        warnings = cast(list[str], d.pop("warnings"))

        links = Links.from_dict(d.pop("links"))

        def _parse_started_at(data: object) -> Union[None, Unset, datetime.datetime]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = isoparse(data)

                return started_at_type_0
            except:  # noqa: E722
                pass
            return cast(Union[None, Unset, datetime.datetime], data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_finished_at(data: object) -> Union[None, Unset, datetime.datetime]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = isoparse(data)

                return finished_at_type_0
            except:  # noqa: E722
                pass
            return cast(Union[None, Unset, datetime.datetime], data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        def _parse_error(data: object) -> Union["JobErrorView", None, Unset]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_1 = JobErrorView.from_dict(data)

                return error_type_1
            except:  # noqa: E722
                pass
            return cast(Union["JobErrorView", None, Unset], data)

        error = _parse_error(d.pop("error", UNSET))

        job_view = cls(
            id=id,
            status=status,
            progress=progress,
            created_at=created_at,
            updated_at=updated_at,
            video=video,
            options=options,
            attempts=attempts,
            cancel_requested=cancel_requested,
            warnings=warnings,
            links=links,
            started_at=started_at,
            finished_at=finished_at,
            error=error,
        )

        job_view.additional_properties = d
        return job_view

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
