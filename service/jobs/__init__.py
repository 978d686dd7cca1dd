"""Document translation jobs: submission, the background runner, per-job work and reports.

`submit` checks a document and stores a queued job; `runner.JobRunner` claims jobs and runs
`work.JobWork` on each; `report` builds the per-segment reports and job counters. Nothing
here knows HTTP: the router (`service.routers.jobs`) and the CLI both drive these.
"""

from service.jobs.runner import JobRunner, job_limits
from service.jobs.submit import Submission, load_document, submit_job
from service.jobs.work import ALT_TRANS_OPTION, JobFailed, JobLimits

__all__ = [
    "ALT_TRANS_OPTION",
    "JobFailed",
    "JobLimits",
    "JobRunner",
    "Submission",
    "job_limits",
    "load_document",
    "submit_job",
]
