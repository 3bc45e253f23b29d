from collections.abc import Mapping
from typing import Any, TypeVar, TYPE_CHECKING

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.provider import Provider
from ..models.report_status import ReportStatus
from dateutil.parser import isoparse
from typing import cast
from typing import Union
import datetime

if TYPE_CHECKING:
    from ..models.usage import Usage
    from ..models.report_links import ReportLinks
    from ..models.report_inputs import ReportInputs
    from ..models.report_fault import ReportFault


T = TypeVar("T", bound="ReportView")


@_attrs_define
class ReportView:
    """A narrative report on a job's numbers: `queued` and `running` while it is written, then
    `succeeded` with its `text`, or `failed` with its `error`.

        Attributes:
            id (str):
            job_id (str):
            status (ReportStatus):
            provider (Provider): Who writes a report's narrative.
            model (str): The chat model, or the template's name.
            language (str):  Example: en.
            created_at (datetime.datetime): When it was asked for.
            links (ReportLinks):
            note (str):
            text (Union[None, Unset, str]): The narrative, in Markdown; `null` until it has succeeded.
            finished_at (Union[None, Unset, datetime.datetime]):
            usage (Union['Usage', None, Unset]):
            inputs (Union['ReportInputs', None, Unset]):
            error (Union['ReportFault', None, Unset]):
    """

    id: str
    job_id: str
    status: ReportStatus
    provider: Provider
    model: str
    language: str
    created_at: datetime.datetime
    links: "ReportLinks"
    note: str
    text: Union[None, Unset, str] = UNSET
    finished_at: Union[None, Unset, datetime.datetime] = UNSET
    usage: Union["Usage", None, Unset] = UNSET
    inputs: Union["ReportInputs", None, Unset] = UNSET
    error: Union["ReportFault", None, Unset] = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.usage import Usage
        from ..models.report_inputs import ReportInputs
        from ..models.report_fault import ReportFault

        id = self.id

        job_id = self.job_id

        status = self.status.value

        provider = self.provider.value

        model = self.model

        language = self.language

        created_at = self.created_at.isoformat()

        links = self.links.to_dict()

        note = self.note

        text: Union[None, Unset, str]
        if isinstance(self.text, Unset):
            text = UNSET
        else:
            text = self.text

        finished_at: Union[None, Unset, str]
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        usage: Union[None, Unset, dict[str, Any]]
        if isinstance(self.usage, Unset):
            usage = UNSET
        elif isinstance(self.usage, Usage):
            usage = self.usage.to_dict()
        else:
            usage = self.usage

        inputs: Union[None, Unset, dict[str, Any]]
        if isinstance(self.inputs, Unset):
            inputs = UNSET
        elif isinstance(self.inputs, ReportInputs):
            inputs = self.inputs.to_dict()
        else:
            inputs = self.inputs

        error: Union[None, Unset, dict[str, Any]]
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, ReportFault):
            error = self.error.to_dict()
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "job_id": job_id,
                "status": status,
                "provider": provider,
                "model": model,
                "language": language,
                "created_at": created_at,
                "links": links,
                "note": note,
            }
        )
        if text is not UNSET:
            field_dict["text"] = text
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if usage is not UNSET:
            field_dict["usage"] = usage
        if inputs is not UNSET:
            field_dict["inputs"] = inputs
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage import Usage
        from ..models.report_links import ReportLinks
        from ..models.report_inputs import ReportInputs
        from ..models.report_fault import ReportFault

        d = dict(src_dict)
        id = d.pop("id")

        job_id = d.pop("job_id")

        status = ReportStatus(d.pop("status"))

        provider = Provider(d.pop("provider"))

        model = d.pop("model")

        language = d.pop("language")

        created_at = isoparse(d.pop("created_at"))

        links = ReportLinks.from_dict(d.pop("links"))

        note = d.pop("note")

        def _parse_text(data: object) -> Union[None, Unset, str]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(Union[None, Unset, str], data)

        text = _parse_text(d.pop("text", UNSET))

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

        def _parse_usage(data: object) -> Union["Usage", None, Unset]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                usage_type_1 = Usage.from_dict(data)

                return usage_type_1
            except:  # noqa: E722
                pass
            return cast(Union["Usage", None, Unset], data)

        usage = _parse_usage(d.pop("usage", UNSET))

        def _parse_inputs(data: object) -> Union["ReportInputs", None, Unset]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                inputs_type_1 = ReportInputs.from_dict(data)

                return inputs_type_1
            except:  # noqa: E722
                pass
            return cast(Union["ReportInputs", None, Unset], data)

        inputs = _parse_inputs(d.pop("inputs", UNSET))

        def _parse_error(data: object) -> Union["ReportFault", None, Unset]:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_1 = ReportFault.from_dict(data)

                return error_type_1
            except:  # noqa: E722
                pass
            return cast(Union["ReportFault", None, Unset], data)

        error = _parse_error(d.pop("error", UNSET))

        report_view = cls(
            id=id,
            job_id=job_id,
            status=status,
            provider=provider,
            model=model,
            language=language,
            created_at=created_at,
            links=links,
            note=note,
            text=text,
            finished_at=finished_at,
            usage=usage,
            inputs=inputs,
            error=error,
        )

        report_view.additional_properties = d
        return report_view

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
