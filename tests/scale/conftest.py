"""Real Spark and PostgreSQL backends for the backend-equality tests.

Spark runs as a local SparkSession (``local[2]``) with its warehouse in a temporary folder;
PostgreSQL is Debian's server, initialised and started by the fixture on 127.0.0.1 on a free
port and stopped afterwards. Both are session-scoped: they start once per test run.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def spark_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.fail("Java is needed for Spark: `make test` installs default-jre-headless")
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    scratch = tmp_path_factory.mktemp("spark-scratch")
    return f"pyspark://local?warehouse={warehouse}&scratch={scratch}"


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.fail(
            "PostgreSQL server binaries not found: `make test` installs Debian's postgresql"
        )
    return Path(found[-1]).parent


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    pytest.importorskip("psycopg")
    bindir = _pg_bin()
    # a folder the postgres user can reach (pytest's tmp folders are private to root)
    root = Path(tempfile.mkdtemp(prefix="salesorg-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root: use the postgres system user
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(root, 0o755)
    subprocess.run(
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "salesorg",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    log = root / "server.log"
    subprocess.run(
        [
            *as_user,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield f"postgres://salesorg@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
