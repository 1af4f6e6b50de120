"""A real Virtuoso (Debian's ``virtuoso-t``, the engine behind EUR-Lex CELLAR) for the tests.

``Virtuoso(directory).start()`` writes a ``virtuoso.ini`` for its own database directory, binds
free loopback ports (HTTP and the ISQL port), waits until the SPARQL endpoint answers and
``stop()`` shuts it down. ``load(path, graph)`` runs the bulk loader (``ld_dir`` +
``rdf_loader_run``) through ``isql-vt``. ``cellar_quads()`` builds CELLAR-shaped data from the
structure of the real notices in ``../shared/eurlex`` (see ``tests/cellar.py``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx

DBA_PASSWORD = "dba"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, timeout: float = 20.0) -> None:
    """Wait until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def available() -> bool:
    """Whether Debian's Virtuoso is installed (scripts/test.sh installs it)."""
    return bool(shutil.which("virtuoso-t") and shutil.which("isql-vt"))


_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {dir}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxQueryMem = 256M
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}/vsp
MaxClientConnections = 10
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = 10000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
"""


class Virtuoso:
    """One Virtuoso server with its own database directory on free loopback ports."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.http_port = free_port()
        self.isql_port = free_port()
        self.proc: subprocess.Popen | None = None
        self.start_seconds = 0.0

    @property
    def sparql(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_crud(self) -> str:
        """The Graph Store HTTP Protocol endpoint that takes writes (digest auth, dba)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud-auth"

    def start(self, timeout: float = 120.0) -> "Virtuoso":
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "vsp").mkdir(exist_ok=True)
        ini = self.dir / "virtuoso.ini"
        ini.write_text(_INI.format(dir=self.dir, isql=self.isql_port, http=self.http_port))
        started = time.monotonic()
        self.proc = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(ini)],
                                     cwd=self.dir, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                log = (self.dir / "virtuoso.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"virtuoso-t exited ({self.proc.returncode}): {log}")
            try:
                resp = httpx.get(self.sparql, params={"query": "ASK {}"}, timeout=2,
                                 headers={"Accept": "application/sparql-results+json"})
                if resp.status_code == 200:
                    self.start_seconds = time.monotonic() - started
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Virtuoso did not answer on {self.sparql} within {timeout:g} s")

    def isql(self, *statements: str, timeout: float = 300) -> str:
        """Run SQL statements through ``isql-vt`` as dba; the output, or RuntimeError."""
        script = "\n".join(s.rstrip().rstrip(";") + ";" for s in statements) + "\n"
        result = subprocess.run(["isql-vt", f"127.0.0.1:{self.isql_port}", "dba", DBA_PASSWORD,
                                 "VERBOSE=OFF", "ERRORS=STDOUT", "BANNER=OFF", "PROMPT=OFF",
                                 "ECHO=OFF"], input=script, capture_output=True, text=True,
                                timeout=timeout)
        out = result.stdout + result.stderr
        if result.returncode != 0 or "*** Error" in out:
            raise RuntimeError(f"isql-vt: {out.strip()[:2000]}")
        return out

    def load(self, path: Path, graph: str) -> None:
        """Bulk-load an RDF file (.nt/.ttl/.nq; it must lie in the database directory)."""
        path = Path(path)
        self.isql(f"ld_dir('{path.parent}', '{path.name}', '{graph}')",
                  "rdf_loader_run()", "checkpoint")
        errors = self.isql("SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST "
                           "WHERE ll_error IS NOT NULL")
        if path.name in errors:
            raise RuntimeError(f"Virtuoso could not load {path}: {errors.strip()}")

    def grant_graph_store(self) -> None:
        """Let dba write through /sparql-graph-crud-auth (the role Virtuoso asks for)."""
        self.isql("GRANT SPARQL_UPDATE TO \"dba\"")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                self.isql("shutdown", timeout=30)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None
