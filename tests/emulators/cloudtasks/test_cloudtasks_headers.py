"""What a dispatch carries on the wire: the headers Cloud Tasks sets, drops or leaves alone, and
the URL as the request line sends it (the HttpRequest.headers and HttpRequest.url reference)."""

from __future__ import annotations

from emulators.cloudtasks.receiver import Receiver

from tests.fixtures.cloudtasks import CloudTasksEmulator


def test_a_body_without_content_type_arrives_without_one(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    # "Content-Type won't be set by Cloud Tasks" for HTTP targets (the octet-stream default is
    # the App Engine target's).
    queue = cloudtasks.make_queue()
    cloudtasks.http_task(queue.name, task_receiver.url + "/raw", body=b"\x00\x01binary")
    cloudtasks.http_task(
        queue.name, task_receiver.url + "/json", body=b"{}", headers={"Content-Type": "text/x-a"}
    )

    (raw,) = task_receiver.wait_for(1, path="/raw")
    (typed,) = task_receiver.wait_for(1, path="/json")

    assert raw.body == b"\x00\x01binary"
    assert raw.header("Content-Type") is None
    assert raw.header("Content-Length") == "8"
    assert typed.header("Content-Type") == "text/x-a"


def test_headers_cloud_tasks_computes_or_reserves_are_replaced_or_dropped(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue()
    given = {
        "Host": "spoofed.example.com",
        "Content-Length": "999",
        "User-Agent": "my-agent/1.0",
        "X-Google-Internal": "1",
        "x-appengine-country": "ZZ",
        "X-CloudTasks-QueueName": "other-queue",
        "Connection": "keep-alive",
        "Transfer-Encoding": "chunked",
        "X-Kept": "a, b",
        "Cache-Control": "no-cache",
    }
    cloudtasks.http_task(queue.name, task_receiver.url + "/h", headers=given, body=b"12345")

    (got,) = task_receiver.wait_for(1)

    host, port = task_receiver.url.removeprefix("http://").split(":")
    assert got.header("Host") == f"{host}:{port}"  # derived from the URL
    assert got.header("Content-Length") == "5"  # computed from the body
    assert got.body == b"12345"
    assert got.header("User-Agent") == "Google-Cloud-Tasks"
    names = {name.lower() for name in got.headers}
    assert not any(name.startswith(("x-google-", "x-appengine-")) for name in names)
    assert "transfer-encoding" not in names
    assert got.header("X-CloudTasks-QueueName") == queue.name.rsplit("/", 1)[1]
    assert got.header("X-Kept") == "a, b"  # multiple values as comma-separated, untouched
    assert got.header("Cache-Control") == "no-cache"


def test_a_url_with_characters_a_request_line_cannot_carry_is_percent_encoded(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    # "Cloud Tasks will encode some characters for safety and compatibility."
    queue = cloudtasks.make_queue()
    url = task_receiver.url + "/caf\u00e9/a%20b?q=\u00e4&r={x}#fragment"
    task = cloudtasks.http_task(queue.name, url)

    (got,) = task_receiver.wait_for(1)

    assert task.http_request.url == url  # the task keeps the URL as given
    assert got.path == "/caf%C3%A9/a%20b?q=%C3%A4&r=%7Bx%7D"  # no fragment is sent


def test_a_url_without_a_path_requests_the_root(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue()
    cloudtasks.http_task(queue.name, task_receiver.url)
    assert task_receiver.wait_for(1)[0].path == "/"
