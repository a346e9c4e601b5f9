"""A real OpenAI-compatible chat-completions server on 127.0.0.1 for the generation
tests: it answers with scripted replies, in order, and keeps what it received."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The creator's own key for the test server (the compatible_key fixture).
USER_KEY = "sk-creator-SECRET-key-1234"


@dataclass
class Reply:
    status: int = 200
    body: object = None  # a dict is sent as JSON, a str as it is
    delay: float = 0.0


def completion(content: str, cost: float | None = None, finish_reason: str = "stop") -> dict:
    usage: dict[str, object] = {"prompt_tokens": 50, "completion_tokens": 80}
    if cost is not None:
        usage["cost"] = cost
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": usage,
    }


PLAN = completion('{"scene": "rain over roofs", "elements": ["drops"], "motion": "falling"}')


class ChatServer:
    """Answers POST /v1/chat/completions with the scripted replies, in order, and keeps
    what it received."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.received: list[dict] = []
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # Joined on close, so no handler outlives its test.
        self.httpd.daemon_threads = False
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def start(self) -> ChatServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # wakes a handler that is being slow on purpose
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                server.received.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "body": json.loads(self.rfile.read(length) or b"null"),
                    }
                )
                reply = server.replies.pop(0) if server.replies else Reply(500, "unexpected")
                if reply.delay and server.stopping.wait(reply.delay):
                    self.close_connection = True
                    return  # the test is over: hang up without answering
                body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                payload = body.encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep the test output clean

        return Handler
