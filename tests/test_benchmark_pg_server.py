"""The benchmarks' throw-away PostgreSQL server answers on loopback and leaves nothing behind."""

import importlib.util
import os
import sys
import time
from pathlib import Path

import psycopg
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str, monkeypatch=None):
    """A benchmark module, loaded without putting benchmarks/ on the path.

    With `monkeypatch`, registered in sys.modules for the test (dataclasses look it up there).
    """
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    if monkeypatch is not None:
        monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


pg_server = load("pg_server")


def require_initdb() -> None:
    """Without initdb, fail under CI (.ci/run installs PostgreSQL), else skip."""
    if pg_server.postgres_bin() is not None:
        return
    reason = "no initdb in /usr/lib/postgresql/*/bin or on PATH: `apt-get install -y postgresql`"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(reason + " (.ci/run installs it)")
    pytest.skip(reason)


@pytest.mark.slow
def test_the_server_answers_on_loopback_and_is_gone_afterwards():
    require_initdb()
    with pg_server.postgres_server() as url:
        assert url.startswith("postgres://postgres@127.0.0.1:")
        with psycopg.connect(url, connect_timeout=10) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            setting = lambda name: conn.execute(f"SHOW {name}").fetchone()[0]  # noqa: E731
            data = Path(setting("data_directory"))
            sockets = Path(setting("unix_socket_directories"))
            assert setting("listen_addresses") == "127.0.0.1"
            assert setting("fsync") == "on"  # stock settings: no benchmark on a tuned server
        assert data.is_dir() and sockets.parent == data.parent
    assert not data.exists() and not data.parent.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)


def test_without_initdb_it_says_what_to_install(monkeypatch):
    monkeypatch.setattr(pg_server, "postgres_bin", lambda: None)
    with pytest.raises(pg_server.PostgresUnavailable, match="apt-get install -y postgresql"):
        with pg_server.postgres_server():
            pass  # pragma: no cover


def test_import_speed_exits_non_zero_when_it_cannot_start_postgres(monkeypatch):
    # import_speed imports its neighbours by their plain names, as a script does.
    monkeypatch.setitem(sys.modules, "pg_server", pg_server)
    monkeypatch.setitem(sys.modules, "workdir", load("workdir"))
    monkeypatch.setitem(sys.modules, "server_cpu", load("server_cpu"))
    import_speed = load("import_speed", monkeypatch)
    monkeypatch.setattr(pg_server, "postgres_bin", lambda: None)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(sys, "argv", ["import_speed.py", "--databases", "sqlite,postgres"])
    with pytest.raises(SystemExit) as exited:
        import_speed.main()
    assert "cannot start a PostgreSQL server" in str(exited.value.code)


@pytest.mark.slow
def test_backend_cpu_counts_the_database_backends_own_work_and_no_other_databases():
    require_initdb()
    server_cpu = load("server_cpu")
    with pg_server.postgres_server() as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE busy")
            # Named like the state a backend's title ends with: "… busy 127.0.0.1(…) idle".
            conn.execute("CREATE DATABASE idle")
        busy, idle = (url.rsplit("/", 1)[0] + f"/{name}" for name in ("busy", "idle"))
        watched, other = server_cpu.BackendCpu(busy), server_cpu.BackendCpu(idle)
        assert watched.postmaster is not None
        with watched.sampling(), other.sampling():
            with psycopg.connect(busy) as conn, psycopg.connect(idle):
                # About a second of one backend's CPU, then the connection closes: the
                # sampled figure is what it had used by its last sample.
                conn.execute("SELECT count(*) FROM generate_series(1, 15000000)").fetchone()
                time.sleep(4 * server_cpu.SAMPLE_S)  # sampled while its title says "idle"
        assert watched.seconds >= 0.3
        assert other.seconds < 0.1


def test_backend_cpu_of_a_server_it_cannot_see_is_unknown():
    server_cpu = load("server_cpu")
    # Nothing listens on port 1: the data directory cannot be asked for.
    watched = server_cpu.BackendCpu("postgres://postgres@127.0.0.1:1/nowhere")
    with watched.sampling():
        pass
    assert watched.postmaster is None and watched.seconds is None
