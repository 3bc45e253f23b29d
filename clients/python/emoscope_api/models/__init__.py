"""Contains all the data models used in inputs/outputs"""

from .analysis_options import AnalysisOptions
from .attempt_view import AttemptView
from .box_px import BoxPx
from .defaults_view import DefaultsView
from .delivery_list import DeliveryList
from .delivery_status import DeliveryStatus
from .delivery_view import DeliveryView
from .detector_kind import DetectorKind
from .detector_state import DetectorState
from .detectors_view import DetectorsView
from .emotion import Emotion
from .emotion_summary import EmotionSummary
from .emotions_view import EmotionsView
from .error_body import ErrorBody
from .error_code import ErrorCode
from .error_detail import ErrorDetail
from .execution_provider import ExecutionProvider
from .face_result import FaceResult
from .focus import Focus
from .frame_result import FrameResult
from .health import Health
from .identity_view import IdentityView
from .image_form import ImageForm
from .image_view import ImageView
from .info_view import InfoView
from .job_error_view import JobErrorView
from .job_event import JobEvent
from .job_failure import JobFailure
from .job_page import JobPage
from .job_status import JobStatus
from .job_view import JobView
from .limits_view import LimitsView
from .links import Links
from .live_end_reason import LiveEndReason
from .live_ended import LiveEnded
from .live_error import LiveError
from .live_error_code import LiveErrorCode
from .live_frame import LiveFrame
from .live_info_view import LiveInfoView
from .live_limits import LiveLimits
from .live_person import LivePerson
from .live_ready import LiveReady
from .live_shares import LiveShares
from .live_summary import LiveSummary
from .model_input_view import ModelInputView
from .model_view import ModelView
from .options_view import OptionsView
from .other_people import OtherPeople
from .people_view import PeopleView
from .per_emotion_f32 import PerEmotionF32
from .per_emotion_f64 import PerEmotionF64
from .per_emotion_u64 import PerEmotionU64
from .period import Period
from .person import Person
from .progress_view import ProgressView
from .provider import Provider
from .readiness import Readiness
from .report_fault import ReportFault
from .report_fault_code import ReportFaultCode
from .report_inputs import ReportInputs
from .report_links import ReportLinks
from .report_list import ReportList
from .report_request import ReportRequest
from .report_status import ReportStatus
from .report_view import ReportView
from .reports_view import ReportsView
from .segment_summary import SegmentSummary
from .sighting import Sighting
from .smoothed_view import SmoothedView
from .ticket_view import TicketView
from .timeline_format import TimelineFormat
from .timeline_page import TimelinePage
from .upload_form import UploadForm
from .usage import Usage
from .video_by_url import VideoByUrl
from .video_info import VideoInfo
from .video_view import VideoView
from .webhook_event import WebhookEvent

__all__ = (
    "AnalysisOptions",
    "AttemptView",
    "BoxPx",
    "DefaultsView",
    "DeliveryList",
    "DeliveryStatus",
    "DeliveryView",
    "DetectorKind",
    "DetectorState",
    "DetectorsView",
    "Emotion",
    "EmotionSummary",
    "EmotionsView",
    "ErrorBody",
    "ErrorCode",
    "ErrorDetail",
    "ExecutionProvider",
    "FaceResult",
    "Focus",
    "FrameResult",
    "Health",
    "IdentityView",
    "ImageForm",
    "ImageView",
    "InfoView",
    "JobErrorView",
    "JobEvent",
    "JobFailure",
    "JobPage",
    "JobStatus",
    "JobView",
    "LimitsView",
    "Links",
    "LiveEnded",
    "LiveEndReason",
    "LiveError",
    "LiveErrorCode",
    "LiveFrame",
    "LiveInfoView",
    "LiveLimits",
    "LivePerson",
    "LiveReady",
    "LiveShares",
    "LiveSummary",
    "ModelInputView",
    "ModelView",
    "OptionsView",
    "OtherPeople",
    "PeopleView",
    "PerEmotionF32",
    "PerEmotionF64",
    "PerEmotionU64",
    "Period",
    "Person",
    "ProgressView",
    "Provider",
    "Readiness",
    "ReportFault",
    "ReportFaultCode",
    "ReportInputs",
    "ReportLinks",
    "ReportList",
    "ReportRequest",
    "ReportStatus",
    "ReportsView",
    "ReportView",
    "SegmentSummary",
    "Sighting",
    "SmoothedView",
    "TicketView",
    "TimelineFormat",
    "TimelinePage",
    "UploadForm",
    "Usage",
    "VideoByUrl",
    "VideoInfo",
    "VideoView",
    "WebhookEvent",
)
