from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast, Union


T = TypeVar("T", bound="VideoView")


@_attrs_define
class VideoView:
    """
    Attributes:
        duration_ms (int):
        fps (float):
        width (int):
        height (int):
        frame_count (int):
        codec (str): The video codec, e.g. `h264`, `vp9`, `mjpeg`. Example: h264.
        size_bytes (int): 0 until a video fetched from a URL is in.
        stored (bool): Whether the service keeps the upload: until the job ends, or after it when `keep_video`.
        name (Union[None, Unset, str]):
        url (Union[None, Unset, str]): For a job made from a URL: the URL without its user, password, query (shown as
            `?…`)
            or fragment, which may hold credentials. The video's facts below are 0 until it is in. Example:
            https://cdn.example.com/videos/interview.mp4?….
    """

    duration_ms: int
    fps: float
    width: int
    height: int
    frame_count: int
    codec: str
    size_bytes: int
    stored: bool
    name: Union[None, Unset, str] = UNSET
    url: Union[None, Unset, str] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        duration_ms = self.duration_ms

        fps = self.fps

        width = self.width

        height = self.height

        frame_count = self.frame_count

        codec = self.codec

        size_bytes = self.size_bytes

        stored = self.stored

        name: Union[None, Unset, str]
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        url: Union[None, Unset, str]
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "duration_ms": duration_ms,
                "fps": fps,
                "width": width,
                "height": height,
                "frame_count": frame_count,
                "codec": codec,
                "size_bytes": size_bytes,
                "stored": stored,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        duration_ms = d.pop("duration_ms")

        fps = d.pop("fps")

        width = d.pop("width")

        height = d.pop("height")

        frame_count = d.pop("frame_count")

        codec = d.pop("codec")

        size_bytes = d.pop("size_bytes")

        stored = d.pop("stored")

        def _parse_name(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_url(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        url = _parse_url(d.pop("url", UNSET))

        video_view = cls(
            duration_ms=duration_ms,
            fps=fps,
            width=width,
            height=height,
            frame_count=frame_count,
            codec=codec,
            size_bytes=size_bytes,
            stored=stored,
            name=name,
            url=url,
        )

        video_view.additional_properties = d
        return video_view

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
