from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field


from ..models.report_fault_code import ReportFaultCode


T = TypeVar("T", bound="ReportFault")


@_attrs_define
class ReportFault:
    """Why a report failed, in the API's error codes.

    Attributes:
        code (ReportFaultCode): Why a report failed. `job_not_succeeded`: its job is gone or did not succeed;
            `invalid_report_request`: it cannot be written as asked; `llm_timeout`, `llm_error`: the
            language model did not answer, or failed; `worker_lost`: its writer died too often;
            `internal`: the server's fault.
        message (str):
    """

    code: ReportFaultCode
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
        code = ReportFaultCode(d.pop("code"))

        message = d.pop("message")

        report_fault = cls(
            code=code,
            message=message,
        )

        report_fault.additional_properties = d
        return report_fault

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
