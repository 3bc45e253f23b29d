from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

from ..models.detector_kind import DetectorKind
from ..models.focus import Focus
from typing import cast, Union


T = TypeVar("T", bound="VideoByUrl")


@_attrs_define
class VideoByUrl:
    """A job whose video the server fetches from a URL, or a stream it follows, with the options of
    an upload (see the query parameters of `POST /v1/jobs`: the same names, meanings and
    limits). One of `video_url` and `source_url`.

        Attributes:
            video_url (Union[None, Unset, str]): `https://…` (`http://` only where `downloads.allow_http`), fetched by the
                server: every
                address the host resolves to, and every redirect's, must be public or listed in
                `downloads.allowed_networks`; or `s3://bucket/key` of a bucket listed in
                `downloads.s3_buckets`. A user, password or query in it (a signed link) is used but
                never shown: the job shows the URL without them. Example: https://cdn.example.com/videos/interview.mp4?token=….
            source_url (Union[None, Unset, str]): Instead of `video_url`: a stream to follow as it plays (`rtsp://`,
                `rtmp://`, an HLS
                `https://…m3u8`, `http(s)://`; those without TLS only where `downloads.allow_http`),
                checked like `video_url`. The job is `running` at once, read and analysed by the server
                process that accepted it (one with workers), `sample_fps` frames a second, until the
                stream ends, `limits.max_duration_secs`, or a cancel; its timeline grows as it runs. Example:
                rtsp://camera.example.com/stream1.
            sample_fps (Union[None, Unset, float]):  Example: 5.
            detector (Union[DetectorKind, None, Unset]):
            min_face_px (Union[None, Unset, int]):
            model (Union[None, Unset, str]):
            tracking (Union[None, Unset, bool]):
            min_track_ms (Union[None, Unset, int]):
            focus (Union[Focus, None, Unset]):
            annotate (Union[None, Unset, bool]):
            keep_video (Union[None, Unset, bool]):
            filename (Union[None, Unset, str]): Name to show for the video; default: the last part of the URL's path.
            callback_url (Union[None, Unset, str]):
    """

    video_url: Union[None, Unset, str] = UNSET
    source_url: Union[None, Unset, str] = UNSET
    sample_fps: Union[None, Unset, float] = UNSET
    detector: Union[DetectorKind, None, Unset] = UNSET
    min_face_px: Union[None, Unset, int] = UNSET
    model: Union[None, Unset, str] = UNSET
    tracking: Union[None, Unset, bool] = UNSET
    min_track_ms: Union[None, Unset, int] = UNSET
    focus: Union[Focus, None, Unset] = UNSET
    annotate: Union[None, Unset, bool] = UNSET
    keep_video: Union[None, Unset, bool] = UNSET
    filename: Union[None, Unset, str] = UNSET
    callback_url: Union[None, Unset, str] = UNSET

    def to_dict(self) -> dict[str, Any]:
        video_url: Union[None, Unset, str]
        if isinstance(self.video_url, Unset):
            video_url = UNSET
        else:
            video_url = self.video_url

        source_url: Union[None, Unset, str]
        if isinstance(self.source_url, Unset):
            source_url = UNSET
        else:
            source_url = self.source_url

        sample_fps: Union[None, Unset, float]
        if isinstance(self.sample_fps, Unset):
            sample_fps = UNSET
        else:
            sample_fps = self.sample_fps

        detector: Union[None, Unset, str]
        if isinstance(self.detector, Unset):
            detector = UNSET
        elif isinstance(self.detector, DetectorKind):
            detector = self.detector.value
        else:
            detector = self.detector

        min_face_px: Union[None, Unset, int]
        if isinstance(self.min_face_px, Unset):
            min_face_px = UNSET
        else:
            min_face_px = self.min_face_px

        model: Union[None, Unset, str]
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        tracking: Union[None, Unset, bool]
        if isinstance(self.tracking, Unset):
            tracking = UNSET
        else:
            tracking = self.tracking

        min_track_ms: Union[None, Unset, int]
        if isinstance(self.min_track_ms, Unset):
            min_track_ms = UNSET
        else:
            min_track_ms = self.min_track_ms

        focus: Union[None, Unset, str]
        if isinstance(self.focus, Unset):
            focus = UNSET
        elif isinstance(self.focus, Focus):
            focus = self.focus.value
        else:
            focus = self.focus

        annotate: Union[None, Unset, bool]
        if isinstance(self.annotate, Unset):
            annotate = UNSET
        else:
            annotate = self.annotate

        keep_video: Union[None, Unset, bool]
        if isinstance(self.keep_video, Unset):
            keep_video = UNSET
        else:
            keep_video = self.keep_video

        filename: Union[None, Unset, str]
        if isinstance(self.filename, Unset):
            filename = UNSET
        else:
            filename = self.filename

        callback_url: Union[None, Unset, str]
        if isinstance(self.callback_url, Unset):
            callback_url = UNSET
        else:
            callback_url = self.callback_url

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if video_url is not UNSET:
            field_dict["video_url"] = video_url
        if source_url is not UNSET:
            field_dict["source_url"] = source_url
        if sample_fps is not UNSET:
            field_dict["sample_fps"] = sample_fps
        if detector is not UNSET:
            field_dict["detector"] = detector
        if min_face_px is not UNSET:
            field_dict["min_face_px"] = min_face_px
        if model is not UNSET:
            field_dict["model"] = model
        if tracking is not UNSET:
            field_dict["tracking"] = tracking
        if min_track_ms is not UNSET:
            field_dict["min_track_ms"] = min_track_ms
        if focus is not UNSET:
            field_dict["focus"] = focus
        if annotate is not UNSET:
            field_dict["annotate"] = annotate
        if keep_video is not UNSET:
            field_dict["keep_video"] = keep_video
        if filename is not UNSET:
            field_dict["filename"] = filename
        if callback_url is not UNSET:
            field_dict["callback_url"] = callback_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_video_url(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        video_url = _parse_video_url(d.pop("video_url", UNSET))

        def _parse_source_url(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        source_url = _parse_source_url(d.pop("source_url", UNSET))

        def _parse_sample_fps(data: object) -> Union[None, Unset, float]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, float], data)

        sample_fps = _parse_sample_fps(d.pop("sample_fps", UNSET))

        def _parse_detector(data: object) -> Union[DetectorKind, None, Unset]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                detector_type_1 = DetectorKind(data)

                return detector_type_1
            except:  # noqa: E722
                pass
            return cast(Union[DetectorKind, None, Unset], data)

        detector = _parse_detector(d.pop("detector", UNSET))

        def _parse_min_face_px(data: object) -> Union[None, Unset, int]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, int], data)

        min_face_px = _parse_min_face_px(d.pop("min_face_px", UNSET))

        def _parse_model(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        model = _parse_model(d.pop("model", UNSET))

        def _parse_tracking(data: object) -> Union[None, Unset, bool]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, bool], data)

        tracking = _parse_tracking(d.pop("tracking", UNSET))

        def _parse_min_track_ms(data: object) -> Union[None, Unset, int]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, int], data)

        min_track_ms = _parse_min_track_ms(d.pop("min_track_ms", UNSET))

        def _parse_focus(data: object) -> Union[Focus, None, Unset]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                focus_type_1 = Focus(data)

                return focus_type_1
            except:  # noqa: E722
                pass
            return cast(Union[Focus, None, Unset], data)

        focus = _parse_focus(d.pop("focus", UNSET))

        def _parse_annotate(data: object) -> Union[None, Unset, bool]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, bool], data)

        annotate = _parse_annotate(d.pop("annotate", UNSET))

        def _parse_keep_video(data: object) -> Union[None, Unset, bool]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, bool], data)

        keep_video = _parse_keep_video(d.pop("keep_video", UNSET))

        def _parse_filename(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        filename = _parse_filename(d.pop("filename", UNSET))

        def _parse_callback_url(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        callback_url = _parse_callback_url(d.pop("callback_url", UNSET))

        video_by_url = cls(
            video_url=video_url,
            source_url=source_url,
            sample_fps=sample_fps,
            detector=detector,
            min_face_px=min_face_px,
            model=model,
            tracking=tracking,
            min_track_ms=min_track_ms,
            focus=focus,
            annotate=annotate,
            keep_video=keep_video,
            filename=filename,
            callback_url=callback_url,
        )

        return video_by_url
