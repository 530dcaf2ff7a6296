"""Twilio Programmable Voice with the real SDK: placing a page's call and writing its TwiML.

Shares the HTTP client (base-URL override, no SDK retries) and the error translation with the
SMS sender, so a call fails, retries and escalates exactly as a text does.
"""

from __future__ import annotations

import requests
from twilio.base.exceptions import TwilioException
from twilio.rest import Client
from twilio.twiml.voice_response import Gather, VoiceResponse

from app.notify.base import SendResult, TransientSendError, check_outgoing
from app.notify.call_script import goodbye
from app.notify.twilio_sms import DEFAULT_API_BASE_URL, BaseUrlHttpClient, to_send_error

# Every state change comes back, so a placed call is known within seconds (a call is
# never placed twice for one step) and a final one moves the chain on at once.
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
RING_SECONDS = 30  # then Twilio reports no-answer; a phone's own voicemail usually answers after ~25 s
GATHER_SECONDS = 8


class TwilioVoiceCaller:
    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        timeout: float = 10.0,
    ):
        self.from_number = from_number
        self.http_client = BaseUrlHttpClient(api_base_url, timeout=timeout)
        self.client = Client(account_sid, auth_token, http_client=self.http_client)

    def call(self, to: str, twiml: str, *, status_callback: str | None = None) -> SendResult:
        check_outgoing(to, "call")  # the number; TwiML is ours and far below Twilio's 4,000 characters
        options: dict[str, object] = {"machine_detection": "Enable", "timeout": RING_SECONDS}
        if status_callback:
            options |= {
                "status_callback": status_callback,
                "status_callback_event": STATUS_EVENTS,
                "status_callback_method": "POST",
            }
        try:
            call = self.client.calls.create(to=to, from_=self.from_number, twiml=twiml, **options)
        except (TwilioException, requests.RequestException) as exc:
            raise to_send_error(exc, self.http_client) from exc
        except ValueError as exc:
            raise TransientSendError(None, f"twilio: unreadable answer: {exc}") from exc
        return SendResult(sid=call.sid, status=str(call.status))


def call_twiml(text: str, language: str, gather_url: str) -> str:
    """Say the page twice inside one Gather (a keypress at any time counts), then hang up."""
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=gather_url, method="POST", timeout=GATHER_SECONDS)
    gather.say(text, language=language)
    gather.pause(length=1)
    gather.say(text, language=language)
    response.append(gather)
    response.say(goodbye(language), language=language)
    return str(response)


def say(text: str, language: str) -> str:
    """A TwiML reply that says one thing and hangs up (the Gather's answer)."""
    response = VoiceResponse()
    response.say(text, language=language)
    return str(response)


def hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)
