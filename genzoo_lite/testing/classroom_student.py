"""One student of the loopback hub (:mod:`genzoo_lite.testing.classroom_hub`), as a browser
would be: their server through the hub's REST API with their own token, their notebook through
the contents API, its kernel over the Jupyter websocket, and a widget moved as a slider drag
sends it."""
from __future__ import annotations

import ast
import json
import pwd
import time
import uuid
from pathlib import Path

import requests
import websocket

__all__ = ["KernelError", "NotebookLost", "Student"]


class KernelError(RuntimeError):
    """A cell raised in the student's kernel."""


class NotebookLost(RuntimeError):
    """The student's server is ready but their notebook is not there."""


class Student:
    """One student, talking to the hub and their own server with their own token."""

    def __init__(self, url: str, name: str, token: str) -> None:
        self.url, self.name = url, name
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {token}"
        self.token = token
        self.ws: websocket.WebSocket | None = None
        self.session = uuid.uuid4().hex

    def start_server(self, timeout: float = 300) -> float:
        """Ask the hub for this student's server; seconds until it answers."""
        start = time.monotonic()
        reply = self.http.post(f"{self.url}/hub/api/users/{self.name}/server", timeout=60)
        if reply.status_code not in (201, 202):
            raise RuntimeError(f"{self.name}: server start refused: {reply.status_code} {reply.text}")
        while True:
            model = self.http.get(f"{self.url}/hub/api/users/{self.name}", timeout=30).json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return time.monotonic() - start
            if not model.get("pending") and not server:
                raise RuntimeError(f"{self.name}: the server failed to start")
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"{self.name}: server not ready in {timeout} s")
            time.sleep(0.5)

    def server_url(self, path: str) -> str:
        return f"{self.url}/user/{self.name}/{path}"

    def server_model(self) -> dict:
        """The hub's model of this student's server ({} when none): ready, pending, url..."""
        model = self.http.get(f"{self.url}/hub/api/users/{self.name}", timeout=30).json()
        return model.get("servers", {}).get("") or {"pending": model.get("pending")}

    def contents(self, path: str, raw: bool = False, wait: float = 120,
                 waits: list | None = None) -> dict:
        """GET ``api/contents/path`` through the hub's proxy, telling "not yet" from "lost".

        "Not yet": the request did not reach the student's own server with the server ready (the
        hub answers 424/503 for a server not running or pending, the proxy 502/503/404 while it
        has no route, e.g. just after a hub restart), or a 404 for a file that is on disk all the
        same. Those are retried until ``wait`` s have passed, each appended to ``waits``.
        "Lost": the hub reports the server ready, the student's server answers 404 and the file
        is not on disk: raised at once as :class:`NotebookLost`.
        ``raw``: the file's exact text (type=file), to compare saved bytes."""
        query = "?type=file&format=text&content=1" if raw else ""
        deadline = time.monotonic() + wait
        while True:
            try:
                reply = self.http.get(self.server_url(f"api/contents/{path}{query}"), timeout=60)
            except requests.RequestException as error:  # the proxy restarting: refused
                kind, detail = "no connection", f"{type(error).__name__}"
            else:
                if reply.ok:
                    return reply.json()
                kind, detail = str(reply.status_code), reply.text[:200]
                if reply.status_code == 404 and self.server_model().get("ready"):
                    on_disk = (Path(pwd.getpwnam(self.name).pw_dir) / path).exists()
                    if not on_disk:
                        raise NotebookLost(f"{self.name}: server ready but {path} missing "
                                           f"(404 {detail!r}; not on disk)")
                    kind = "404 with the file on disk"
            if waits is not None:
                waits.append({"t": round(time.monotonic(), 2), "kind": kind,
                              "ready": bool(self.server_model().get("ready")), "detail": detail})
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: {path} not reachable in {wait} s ({kind})")
            time.sleep(1)

    def read_notebook(self, path: str, waits: list | None = None) -> dict:
        return self.contents(path, waits=waits)["content"]

    def read_text(self, path: str, wait: float = 120) -> str:
        """The file's exact text as the student's server serves it."""
        return self.contents(path, raw=True, wait=wait)["content"]

    def save_notebook(self, path: str, notebook: dict) -> None:
        """Save as JupyterLab does (PUT api/contents, the notebook's JSON model)."""
        reply = self.http.put(self.server_url(f"api/contents/{path}"), timeout=60,
                              json={"type": "notebook", "format": "json", "content": notebook})
        reply.raise_for_status()

    def open_notebook(self, path: str) -> None:
        """A notebook session, as JupyterLab opens one: its kernel runs in the notebook's folder."""
        reply = self.http.post(self.server_url("api/sessions"), timeout=120, json={
            "path": path, "name": Path(path).name, "type": "notebook",
            "kernel": {"name": "python3"}})
        reply.raise_for_status()
        self.kernel_id = reply.json()["kernel"]["id"]
        self.connect()

    def connect(self, timeout: float = 300) -> None:
        """(Re)open the websocket to this student's kernel, as JupyterLab does after a drop."""
        if self.ws is not None:
            try:
                self.ws.shutdown()
            except Exception:  # noqa: BLE001 (already broken)
                pass
        ws_url = self.server_url(f"api/kernels/{self.kernel_id}/channels?session_id={self.session}")
        self.ws = websocket.create_connection(
            ws_url.replace("http://", "ws://"), timeout=timeout,  # no cell of 01 nears it
            header=[f"Authorization: token {self.token}"])

    def kernel_model(self) -> dict:
        """The server's model of the kernel: id, execution_state ("idle", "busy",
        "restarting", "dead"...), what the kernel API shows JupyterLab."""
        reply = self.http.get(self.server_url(f"api/kernels/{self.kernel_id}"), timeout=30)
        reply.raise_for_status()
        return reply.json()

    def statuses(self, seconds: float) -> list[str]:
        """The kernel's execution states broadcast on iopub over ``seconds`` (e.g. the
        "restarting" that makes JupyterLab say the kernel died and restarts)."""
        seen, end = [], time.monotonic() + seconds
        self.ws.settimeout(1)
        try:
            while time.monotonic() < end:
                try:
                    frame = self.ws.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                if isinstance(frame, bytes):
                    continue
                if not frame:
                    seen.append("websocket closed")
                    break
                msg = json.loads(frame)
                if msg.get("msg_type", msg.get("header", {}).get("msg_type")) == "status":
                    state = msg["content"]["execution_state"]
                    if state not in seen:  # each state once, in the order first seen
                        seen.append(state)
                    if state == "dead" or ("restarting" in seen and state == "idle"):
                        break
        finally:
            self.ws.settimeout(300)
        return seen

    def _send(self, msg_type: str, content: dict) -> str:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": msg_type, "username": self.name,
                       "session": self.session, "version": "5.3",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell",
            "buffers": []}))
        return msg_id

    def _until_idle(self, msg_id: str, shell_reply: bool = True) -> tuple[dict | None, list]:
        """Messages in reply to ``msg_id`` until the kernel is idle: (shell reply, iopub)."""
        reply, iopub, idle = None, [], False
        while (shell_reply and reply is None) or not idle:
            frame = self.ws.recv()
            if isinstance(frame, bytes):  # a widget message with binary buffers (the PNG)
                continue
            if not frame:
                raise ConnectionError(f"{self.name}: the kernel's websocket was closed")
            msg = json.loads(frame)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["channel"] == "shell":
                reply = msg["content"]
            elif msg["channel"] == "iopub":
                iopub.append(msg)
                idle = msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"
        return reply, iopub

    def execute(self, code: str, user_expressions: dict | None = None) -> dict:
        """Run ``code`` in the kernel; the execute_reply content. Raises KernelError on an error."""
        msg_id = self._send("execute_request", {
            "code": code, "silent": False, "store_history": True, "allow_stdin": False,
            "user_expressions": user_expressions or {}, "stop_on_error": True})
        reply, iopub = self._until_idle(msg_id)
        if reply["status"] != "ok":
            raise KernelError(f"{reply.get('ename')}: {reply.get('evalue')}")
        reply["stdout"] = "".join(m["content"].get("text", "") for m in iopub
                                  if m["msg_type"] == "stream")
        return reply

    def expressions(self, **expressions: str) -> dict:
        """Evaluate Python expressions in the kernel (their repr, literal-evaluated)."""
        reply = self.execute("", user_expressions=expressions)
        return {key: ast.literal_eval(value["data"]["text/plain"])
                for key, value in reply["user_expressions"].items()}

    def move_widget(self, model_id: str, value: object) -> float:
        """Move a widget as the browser does (a comm message); seconds until the kernel has
        run its callbacks and is idle again (the redrawn image was sent before)."""
        start = time.perf_counter()
        msg_id = self._send("comm_msg", {"comm_id": model_id, "data": {
            "method": "update", "state": {"value": value}, "buffer_paths": []}})
        self._until_idle(msg_id, shell_reply=False)  # comm messages get no shell reply
        return time.perf_counter() - start

    def stop_server(self) -> None:
        if self.ws is not None:
            try:
                self.ws.shutdown()  # no closing handshake: it would wait on a reader still blocked
            except Exception:  # noqa: BLE001 (already broken)
                pass
            self.ws = None
        self.http.delete(f"{self.url}/hub/api/users/{self.name}/server", timeout=60)
