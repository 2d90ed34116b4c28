"""The one sender: works the outbox rows against LINE's Messaging API (real line-bot-sdk, async)."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
)
from sqlalchemy.orm import Session, sessionmaker

from madoguchi.bot import outbox
from madoguchi.shared import clock
from madoguchi.shared.db import unit_of_work

log = logging.getLogger("madoguchi.sender")


@dataclass
class SenderConfig:
    give_up_after_s: float = 24 * 3600
    backoff_cap_s: float = 300.0
    quota_pause_s: float = 600.0
    request_timeout_s: float = 10.0
    concurrency: int = 8


def make_api_client(*, access_token: str, base_url: str | None) -> AsyncApiClient:
    """Create inside the running loop (the SDK opens its aiohttp session in the constructor)."""
    if base_url:
        config = Configuration(host=base_url.rstrip("/"), access_token=access_token)
    else:
        config = Configuration(access_token=access_token)
    return AsyncApiClient(config)


def _line_reason(exc: ApiException) -> str:
    try:
        body = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        return f"HTTP {exc.status}"
    message = body.get("message", "")
    details = "; ".join(f"{d.get('property', '')}: {d.get('message', '')}" for d in body.get("details", []) or [])
    return f"HTTP {exc.status}: {message}" + (f" ({details})" if details else "")


def _retry_after(exc: ApiException) -> float | None:
    headers = exc.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class OutboxSender:
    def __init__(self, api_client: AsyncApiClient, factory: sessionmaker[Session], config: SenderConfig) -> None:
        self.api = AsyncMessagingApi(api_client)
        self.factory = factory
        self.config = config

    async def run_once(self) -> int:
        """Send what is due now; returns how many rows were attempted."""
        jobs = await asyncio.to_thread(self._claim)
        if not jobs:
            return 0
        semaphore = asyncio.Semaphore(self.config.concurrency)

        async def one(job: outbox.Job) -> None:
            async with semaphore:
                await self._send(job)

        await asyncio.gather(*(one(job) for job in jobs))
        return len(jobs)

    def _claim(self) -> list[outbox.Job]:
        with unit_of_work(self.factory) as session:
            return outbox.claim(session, limit=self.config.concurrency * 4)

    def _record(self, fn: Any, **kwargs: Any) -> None:
        with unit_of_work(self.factory) as session:
            fn(session, **kwargs)

    async def _send(self, job: outbox.Job) -> None:
        if job.blocked:
            await asyncio.to_thread(self._record, outbox.mark_skipped, job_id=job.id, reason="resident blocked")
            return
        timeout = self.config.request_timeout_s
        try:
            if job.messages:
                if job.reply_token:
                    response = await self.api.reply_message_with_http_info(
                        ReplyMessageRequest.from_dict({"replyToken": job.reply_token, "messages": job.messages}),
                        _request_timeout=timeout,
                    )
                else:
                    response = await self.api.push_message_with_http_info(
                        PushMessageRequest.from_dict({"to": job.to, "messages": job.messages}),
                        x_line_retry_key=job.retry_key,
                        _request_timeout=timeout,
                    )
                request_id = (response.headers or {}).get("x-line-request-id")
            else:
                request_id = None
            if job.action == "leave_group":
                await self.api.leave_group(job.to, _request_timeout=timeout)
            elif job.action == "leave_room":
                await self.api.leave_room(job.to, _request_timeout=timeout)
        except ApiException as exc:
            await asyncio.to_thread(self._on_api_error, job, exc)
            return
        except (ValueError, TypeError) as exc:
            # The SDK could not even build the request: a bug of ours, not LINE's. Park it visibly.
            await asyncio.to_thread(
                self._record, outbox.fail, job_id=job.id, error=f"request not built: {type(exc).__name__}"
            )
            log.error("outbox %s: request could not be built (%s)", job.id, type(exc).__name__)
            return
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            # Fate unknown: LINE may have taken it. Send again (same retry key on a push).
            await asyncio.to_thread(
                self._record,
                outbox.retry_later,
                job_id=job.id,
                error=f"{type(exc).__name__}: connection or timeout",
                delay_s=outbox.backoff_seconds(job.attempts, self.config.backoff_cap_s),
                give_up_after_s=self.config.give_up_after_s,
            )
            log.warning("outbox %s: %s, will retry", job.id, type(exc).__name__)
            return
        await asyncio.to_thread(self._record, outbox.mark_sent, job_id=job.id, request_id=request_id)

    def _on_api_error(self, job: outbox.Job, exc: ApiException) -> None:
        status = exc.status or 0
        reason = _line_reason(exc)
        with unit_of_work(self.factory) as session:
            if status == 409 and not job.reply_token:
                # LINE already accepted a push with this retry key.
                outbox.mark_sent(session, job_id=job.id)
                return
            if status == 400 and job.reply_token and "reply token" in reason.lower():
                # Used or stale token: the same messages go again as a push.
                outbox.retry_later(
                    session,
                    job_id=job.id,
                    error=reason,
                    delay_s=0,
                    give_up_after_s=self.config.give_up_after_s,
                    drop_reply_token=True,
                )
                return
            if status == 429 and "monthly limit" in reason.lower():
                if job.reply_token:
                    delay = outbox.backoff_seconds(job.attempts, self.config.backoff_cap_s)
                else:
                    delay = self.config.quota_pause_s
                    outbox.pause_pushes(session, until=clock.now() + timedelta(seconds=delay))
                    log.error("LINE monthly quota reached: pushes paused")
                # The quota is no reason to give up on a message: it waits for the quota to return.
                outbox.retry_later(
                    session, job_id=job.id, error=reason, delay_s=delay, give_up_after_s=float("inf")
                )
                return
            if status == 429 or status >= 500:
                delay = _retry_after(exc) or outbox.backoff_seconds(job.attempts, self.config.backoff_cap_s)
                outbox.retry_later(
                    session, job_id=job.id, error=reason, delay_s=delay, give_up_after_s=self.config.give_up_after_s
                )
                log.warning("outbox %s: LINE answered %s, retry in %.1fs", job.id, status, delay)
                return
            outbox.fail(session, job_id=job.id, error=reason)
            log.error("outbox %s failed: %s", job.id, f"HTTP {status}")
