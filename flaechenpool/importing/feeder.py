"""Reading a parcel file ahead, in a separate process, while the database works.

A large import keeps two cores busy: PostgreSQL inserting one batch, and a reading process reading
the next from the file, checking its values and encoding them as binary COPY data. A process, not a
thread: Python's interpreter lock would make a reading thread and the thread that streams the COPY
data to the server take turns instead of working at the same time. The reading process is
``python -m flaechenpool.importing.feeder`` (no fork of a process with open connections, and no
re-import of the caller's main module as ``multiprocessing`` would do); it gets the job on its
standard input and answers each request for the next batch on its standard output, holding only
the batch it has read ahead, so memory stays flat however large the file is. An error in the file
travels to the main process in the place of its batch, so errors keep the order of the file;
leaving the ``with`` block (also on Ctrl-C, which the reading process ignores) stops the reading
process.

Small files are read in the calling process: starting Python costs about half a second.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any

from flaechenpool.importing.parcel_fields import Encoded, RowMaker
from flaechenpool.importing.reading import VectorFile

SEPARATE_PROCESS_MIN_FEATURES = 60_000  # below this, reading in the calling process is as fast
_STOP_TIMEOUT_S = 10
_NEXT, _STOP = b"n", b"s"
_SIZE = struct.Struct("!Q")


@dataclass(frozen=True)
class Job:
    """What reading needs, picklable: the file, its fields and the constants of every row."""

    vf: VectorFile
    maker: RowMaker
    batch_size: int
    run: int
    provenance: str
    source: str

    def batches(self) -> Iterator[Encoded]:
        columns = sorted(set(self.maker.fields.values()))
        for batch in self.vf.batches(self.batch_size, columns=columns):
            yield self.maker.values(batch).encode(self.run, self.provenance, self.source)


class Feeder:
    """The encoded batches of a job, read in a separate process when the file (``total`` features)
    is large. The process starts when the ``with`` block is entered, so Python starts and imports
    while the caller prepares the job; ``start(job)`` hands it over."""

    def __init__(self, total: int | None) -> None:
        self.job: Job | None = None
        self.separate = total is None or total >= SEPARATE_PROCESS_MIN_FEATURES
        self._process: subprocess.Popen[bytes] | None = None
        self._fetcher: threading.Thread | None = None
        self._stop = threading.Event()

    def __enter__(self) -> Feeder:
        if self.separate:
            # the caller's module path, so the package is found wherever the caller found it
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
            self._process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, env=env)
        return self

    def start(self, job: Job) -> Feeder:
        """The job to read; the batches are then this object's iteration."""
        self.job = job
        if self._process is not None:
            assert self._process.stdin is not None
            _write(self._process.stdin, pickle.dumps(job))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __iter__(self) -> Iterator[Encoded]:
        """The batches in file order. From the reading process they come through a thread of this
        process that fetches the next batch from the pipe while the caller loads the current one (a
        pipe read of a batch takes milliseconds in which the database would wait)."""
        assert self.job is not None, "start(job) first"
        if self._process is None:
            yield from self.job.batches()
            return
        fetched: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
        self._fetcher = threading.Thread(target=self._fetch, args=(fetched,), name="parcel-feeder", daemon=True)
        self._fetcher.start()
        while True:
            kind, payload = fetched.get()
            if kind == "batch":
                yield payload
            elif kind == "end":
                return
            elif kind == "error":
                raise payload
            elif kind == "crash":
                raise RuntimeError(f"reading {self.job.vf.name} failed:\n{payload}")
            else:  # "gone"
                assert self._process is not None
                self._process.wait(_STOP_TIMEOUT_S)
                raise RuntimeError(f"the process reading {self.job.vf.name} ended unexpectedly "
                                   f"(exit code {self._process.returncode})")

    def _fetch(self, fetched: queue.Queue[tuple[str, Any]]) -> None:
        """In the fetching thread: ask the reading process for each batch, hand it over; stop at the
        end, on an error, or when ``close`` says so."""
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        stdin, stdout = process.stdin, process.stdout
        while not self._stop.is_set():
            try:
                stdin.write(_NEXT)
                stdin.flush()
                kind, payload = pickle.loads(_read(stdout))
                if kind == "batch":
                    keys, rows = _read(stdout), _read(stdout)
                    first_row, count, direct, municipalities = payload      # as _serve sends them
                    payload = Encoded(first_row, count, keys, rows, direct, municipalities)
            except (EOFError, OSError, ValueError):  # the process ended, or close() closed the pipes
                kind, payload = "gone", None
            while not self._stop.is_set():
                try:
                    fetched.put((kind, payload), timeout=0.1)
                    break
                except queue.Full:
                    continue
            if kind != "batch":
                return

    def close(self) -> None:
        """Stop the reading process (if any) and the fetching thread, and wait for both."""
        process, self._process = self._process, None
        if process is None:
            return
        self._stop.set()
        try:
            assert process.stdin is not None
            process.stdin.write(_STOP)
            process.stdin.close()
        except (BrokenPipeError, OSError):
            pass  # it has ended already
        try:
            process.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self._fetcher is not None:
            self._fetcher.join(_STOP_TIMEOUT_S)
        if process.stdout is not None:
            process.stdout.close()


def _write(stream: IO[bytes], data: bytes) -> None:
    stream.write(_SIZE.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read(stream: IO[bytes]) -> bytes:
    head = stream.read(_SIZE.size)
    if len(head) < _SIZE.size:
        raise EOFError
    (size,) = _SIZE.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return data


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """In the reading process: read a batch ahead, wait until it is asked for, send it; repeat."""
    try:
        job: Job = pickle.loads(_read(requests))
    except EOFError:
        return  # stopped before it got a job (the import failed while preparing)

    def asked() -> bool:
        return requests.read(1) == _NEXT

    message: tuple[str, Any]
    try:
        for batch in job.batches():
            if not asked():
                return
            _write(answers, pickle.dumps(("batch", (batch.first_row, batch.count, batch.direct,
                                                    batch.municipalities))))
            _write(answers, batch.keys)
            _write(answers, batch.rows)
        message = ("end", None)
    except Exception as exc:  # noqa: BLE001 - handed to the main process, raised there
        try:
            message = ("error", pickle.loads(pickle.dumps(exc)))
        except Exception:  # noqa: BLE001 - not picklable: its text then
            message = ("crash", traceback.format_exc())
    if asked():
        _write(answers, pickle.dumps(message))


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the main process
    answers, sys.stdout = sys.stdout.buffer, sys.stderr  # the protocol owns standard output
    try:
        _serve(sys.stdin.buffer, answers)
    except BrokenPipeError:
        pass  # the main process has gone
