"""A loopback OpenAI-compatible server for ``bench llm``: it answers every chat completion after
a fixed delay, like a remote model whose latency is known.

It speaks the documented wire format of ``POST /v1/chat/completions`` (a ``chat.completion``
object with ``choices[].message.content`` and ``usage``) for the two structured outputs the
engine asks for, told apart by the ``response_format.json_schema.name`` the ``openai`` SDK sends:
a classification naming the first category of the taxonomy in the prompt, and a draft that cites
the first article offered and states no fact (so the provider's grounding check passes). It
never classifies anything: it stands in for the network and the model's time, which is what the
benchmark measures the engine against.

Run it as its own process (``python -m bench.servers --latency-ms 200``): it prints its
base URL on the first line, so the benchmark's client and the server do not share one GIL.
``GET /bench/requests`` returns how many completions it has answered.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TAXONOMY_LINE = re.compile(r"^- ([^:\n]+?)(?::|$)", re.MULTILINE)
_ARTICLES = re.compile(r"Knowledge-base articles \(JSON\):\n(\[.*?\])\n", re.DOTALL)

DRAFT_BODY = (
    "Thank you for writing to us. We have read your message and a colleague will follow up "
    "with you shortly."
)


def _user_message(request: dict[str, Any]) -> str:
    for message in request.get("messages", []):
        if message.get("role") == "user":
            return str(message.get("content", ""))
    return ""


def classification_answer(prompt: str) -> dict[str, Any]:
    """A valid classification: the first category listed in the prompt's taxonomy."""
    names = _TAXONOMY_LINE.findall(prompt)
    return {
        "category": names[0].strip() if names else "other",
        "category_confidence": 0.9,
        "priority": "normal",
        "priority_confidence": 0.8,
        "sentiment": "neutral",
        "sentiment_confidence": 0.8,
        "frustration": 0.1,
        "language": "en",
        "language_confidence": 0.95,
        "entities": {"order_numbers": [], "amounts": [], "emails": [], "products": []},
    }


def draft_answer(prompt: str) -> dict[str, Any]:
    """A valid draft: no invented fact, citing the first article offered (if any)."""
    match = _ARTICLES.search(prompt)
    articles = json.loads(match.group(1)) if match else []
    return {
        "subject": "Re: your message",
        "body": DRAFT_BODY,
        "article_ids": [articles[0]["id"]] if articles else [],
        "confidence": 0.8,
    }


def completion(content: dict[str, Any], model: str) -> dict[str, Any]:
    """A ``chat.completion`` object whose message content is ``content`` as JSON."""
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": json.dumps(content), "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 200, "completion_tokens": 60, "total_tokens": 260},
    }


class DelayedOpenAIServer:
    """The server: every completion is answered ``latency_ms`` after it arrived."""

    def __init__(self, latency_ms: float, host: str = "127.0.0.1") -> None:
        self.latency_seconds = latency_ms / 1000
        self.answered = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: with Nagle's algorithm on, the
            # client's delayed ACK adds 40 ms to every answer.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                if self.path == "/bench/requests":
                    self._send(200, {"answered": server.answered})
                else:
                    self._send(404, {"error": {"message": "not found", "type": "not_found"}})

            def do_POST(self) -> None:
                arrived = time.monotonic()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": self.path, "type": "not_found"}})
                    return
                request = json.loads(raw)
                schema = request.get("response_format", {}).get("json_schema", {}).get("name", "")
                prompt = _user_message(request)
                if schema == "LLMClassification":
                    content = classification_answer(prompt)
                elif schema == "LLMDraft":
                    content = draft_answer(prompt)
                else:
                    message = f"response_format {schema!r} is not one the bench server answers"
                    self._send(400, {"error": {"message": message, "type": "invalid_request"}})
                    return
                time.sleep(max(0.0, arrived + server.latency_seconds - time.monotonic()))
                with server._lock:
                    server.answered += 1
                self._send(200, completion(content, str(request.get("model", "bench"))))

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 256

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve_forever(self) -> None:
        self._server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.servers", description=__doc__)
    parser.add_argument("--latency-ms", type=float, required=True)
    args = parser.parse_args(argv)
    if args.latency_ms < 0:
        parser.error(f"--latency-ms must be 0 or more, got {args.latency_ms}")
    server = DelayedOpenAIServer(args.latency_ms)
    print(server.base_url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
