"""Tasks that exist only for the job-queue tests: a worker started by a test imports
this module (see tests/test_jobs.py) so that it knows them."""

from __future__ import annotations

import time

from procrastinate.contrib.django import app


@app.task(queue="tests")
def pause(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@app.periodic(cron="* * * * * *")  # every second: the schedule test cannot wait a day
@app.task(queue="tests", queueing_lock="tests.tick")
def tick(timestamp: int) -> int:
    return timestamp
