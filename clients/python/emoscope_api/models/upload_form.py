from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from .. import types

from ..types import UNSET, Unset

from ..models.detector_kind import DetectorKind
from ..models.focus import Focus
from ..types import File
from io import BytesIO
from typing import Union


T = TypeVar("T", bound="UploadForm")


@_attrs_define
class UploadForm:
    """The video file and, optionally, the job's options

    Attributes:
        video (File): The video file
        sample_fps (Union[Unset, float]): Frames analysed per second of video, up to `limits.max_sample_fps`; 0 analyses
            every frame. Example: 5.
        detector (Union[Unset, DetectorKind]): YuNet is the face detector; the Haar cascade is the fallback.
        min_face_px (Union[Unset, int]): Faces smaller than this (shorter side, in frame pixels) are ignored.
        model (Union[Unset, str]): An emotion model listed by `GET /v1/info`. Example: emonet.
        tracking (Union[Unset, bool]): Follow each face through the video and report per person (`/people`); on by
            default.
        min_track_ms (Union[Unset, int]): People seen for less than this many milliseconds are left out of `/people`
            (likely false
            detections). Example: 1000.
        focus (Union[Unset, Focus]): Which people a job reports: everyone, or only the one on screen longest.
        annotate (Union[Unset, bool]): Write an MP4 of the analysed frames with each face's box, person and expression
            drawn
            on it (`/annotated.mp4`). It shows faces, so it is never made unless asked; it is
            deleted with the job.
        keep_video (Union[Unset, bool]): Keep the upload after the analysis (it is deleted by default).
        filename (Union[Unset, str]): Name to show for the video, instead of the uploaded file's.
        callback_url (Union[Unset, str]): Where to POST the `job.*` and `report.*` webhooks of this job (signed; see the
            README).
            `https://` only unless `webhooks.allow_http`, and never to a loopback, private,
            link-local or metadata address unless `webhooks.allowed_networks` lists it; an empty
            value turns the server's default off. Default: `webhooks.default_callback_url`. Example:
            https://hooks.example.com/emoscope.
    """

    video: File
    sample_fps: Union[Unset, float] = UNSET
    detector: Union[Unset, DetectorKind] = UNSET
    min_face_px: Union[Unset, int] = UNSET
    model: Union[Unset, str] = UNSET
    tracking: Union[Unset, bool] = UNSET
    min_track_ms: Union[Unset, int] = UNSET
    focus: Union[Unset, Focus] = UNSET
    annotate: Union[Unset, bool] = UNSET
    keep_video: Union[Unset, bool] = UNSET
    filename: Union[Unset, str] = UNSET
    callback_url: Union[Unset, str] = UNSET

    def to_dict(self) -> dict[str, Any]:
        video = self.video.to_tuple()

        sample_fps = self.sample_fps

        detector: Union[Unset, str] = UNSET
        if not isinstance(self.detector, Unset):
            detector = self.detector.value

        min_face_px = self.min_face_px

        model = self.model

        tracking = self.tracking

        min_track_ms = self.min_track_ms

        focus: Union[Unset, str] = UNSET
        if not isinstance(self.focus, Unset):
            focus = self.focus.value

        annotate = self.annotate

        keep_video = self.keep_video

        filename = self.filename

        callback_url = self.callback_url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "video": video,
            }
        )
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

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("video", self.video.to_tuple()))

        if not isinstance(self.sample_fps, Unset):
            files.append(
                ("sample_fps", (None, str(self.sample_fps).encode(), "text/plain"))
            )

        if not isinstance(self.detector, Unset):
            files.append(
                ("detector", (None, str(self.detector.value).encode(), "text/plain"))
            )

        if not isinstance(self.min_face_px, Unset):
            files.append(
                ("min_face_px", (None, str(self.min_face_px).encode(), "text/plain"))
            )

        if not isinstance(self.model, Unset):
            files.append(("model", (None, str(self.model).encode(), "text/plain")))

        if not isinstance(self.tracking, Unset):
            files.append(
                ("tracking", (None, str(self.tracking).encode(), "text/plain"))
            )

        if not isinstance(self.min_track_ms, Unset):
            files.append(
                ("min_track_ms", (None, str(self.min_track_ms).encode(), "text/plain"))
            )

        if not isinstance(self.focus, Unset):
            files.append(
                ("focus", (None, str(self.focus.value).encode(), "text/plain"))
            )

        if not isinstance(self.annotate, Unset):
            files.append(
                ("annotate", (None, str(self.annotate).encode(), "text/plain"))
            )

        if not isinstance(self.keep_video, Unset):
            files.append(
                ("keep_video", (None, str(self.keep_video).encode(), "text/plain"))
            )

        if not isinstance(self.filename, Unset):
            files.append(
                ("filename", (None, str(self.filename).encode(), "text/plain"))
            )

        if not isinstance(self.callback_url, Unset):
            files.append(
                ("callback_url", (None, str(self.callback_url).encode(), "text/plain"))
            )

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        video = File(payload=BytesIO(d.pop("video")))

        sample_fps = d.pop("sample_fps", UNSET)

        _detector = d.pop("detector", UNSET)
        detector: Union[Unset, DetectorKind]
        if isinstance(_detector, Unset):
            detector = UNSET
        else:
            detector = DetectorKind(_detector)

        min_face_px = d.pop("min_face_px", UNSET)

        model = d.pop("model", UNSET)

        tracking = d.pop("tracking", UNSET)

        min_track_ms = d.pop("min_track_ms", UNSET)

        _focus = d.pop("focus", UNSET)
        focus: Union[Unset, Focus]
        if isinstance(_focus, Unset):
            focus = UNSET
        else:
            focus = Focus(_focus)

        annotate = d.pop("annotate", UNSET)

        keep_video = d.pop("keep_video", UNSET)

        filename = d.pop("filename", UNSET)

        callback_url = d.pop("callback_url", UNSET)

        upload_form = cls(
            video=video,
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

        return upload_form
