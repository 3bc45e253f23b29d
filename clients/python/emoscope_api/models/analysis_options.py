from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


from ..models.detector_kind import DetectorKind
from ..models.focus import Focus


T = TypeVar("T", bound="AnalysisOptions")


@_attrs_define
class AnalysisOptions:
    """What a job asks for.

    Attributes:
        sample_fps (float): Frames analysed per second of video; 0 analyses every frame.
        detector (DetectorKind): YuNet is the face detector; the Haar cascade is the fallback.
        min_face_px (int): Faces smaller than this (shorter side, frame pixels) are ignored.
        model (str): Emotion model name. Example: emonet.
        tracking (bool): Faces are followed across frames and reported per person.
        min_track_ms (int): People seen for less than this are left out of `/people`.
        focus (Focus): Which people a job reports: everyone, or only the one on screen longest.
        annotate (bool): An annotated video is made (`/annotated.mp4`).
    """

    sample_fps: float
    detector: DetectorKind
    min_face_px: int
    model: str
    tracking: bool
    min_track_ms: int
    focus: Focus
    annotate: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sample_fps = self.sample_fps

        detector = self.detector.value

        min_face_px = self.min_face_px

        model = self.model

        tracking = self.tracking

        min_track_ms = self.min_track_ms

        focus = self.focus.value

        annotate = self.annotate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sample_fps": sample_fps,
                "detector": detector,
                "min_face_px": min_face_px,
                "model": model,
                "tracking": tracking,
                "min_track_ms": min_track_ms,
                "focus": focus,
                "annotate": annotate,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sample_fps = d.pop("sample_fps")

        detector = DetectorKind(d.pop("detector"))

        min_face_px = d.pop("min_face_px")

        model = d.pop("model")

        tracking = d.pop("tracking")

        min_track_ms = d.pop("min_track_ms")

        focus = Focus(d.pop("focus"))

        annotate = d.pop("annotate")

        analysis_options = cls(
            sample_fps=sample_fps,
            detector=detector,
            min_face_px=min_face_px,
            model=model,
            tracking=tracking,
            min_track_ms=min_track_ms,
            focus=focus,
            annotate=annotate,
        )

        analysis_options.additional_properties = d
        return analysis_options

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
