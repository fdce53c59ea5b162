"""The profile pictures downloaded and fingerprinted in a process of their own (issue 12).

A first night at 10,000 accounts asks for 18,000 avatars and banners while the platforms are
read. In the night's own process, the download threads wait for the interpreter's lock behind
the platform reads (answers parsed, snapshots built, websites searched): each request gives the
lock up several times and waits for it each time, so the CDN slots sat idle and the pictures
ended long after the reads (measured with `benchmarks/bench_scale.py --timeline`: about 60
pictures a second while the reads went on, against 320 a second for one CDN host's 16 slots).
Here the `ImageFetcher` runs unchanged in a child process, which does little else than wait
for the network, and the night's process keeps the same interface (`ImageSource` of
`scanner.night.audit`, plus `picture`, `stats`, `save`, `close`).

The child is forked from multiprocessing's fork server (this module preloaded there): no copy
of the night's threads or locks, and no new interpreter to start each night or each test.
Commands go down one pipe; the answers come back up another as they are ready, a few dozen
per message. The child's log lines are logged again here, under their own logger. If the child
dies, every picture still awaited gets a French reason and the night goes on; the platform
reads never depend on it.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import multiprocessing
import resource
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from scanner.checks.base import ImageEvidence
from scanner.config.models import NetworkSettings
from scanner.net.fetch import Fetcher
from scanner.net.images import ImageFetcher, gathered
from scanner.net.imaging import Fingerprint

logger = logging.getLogger(__name__)

GONE = (
    "le téléchargement des images s’est arrêté cette nuit (erreur interne de Vigie, consignée dans le "
    "journal)\u00a0: l’image sera relue la nuit prochaine"
)
FLUSH_SECONDS = 0.02  # ready pictures wait at most this long to be sent up together
STOP_SECONDS = 30.0  # what the child is given to finish and exit before it is ended
MAX_RESTARTS = 2  # children started again in one night after one ended before its time


_ended_cpu = [0.0]  # CPU seconds of the pictures' processes this process has stopped
_exiting = threading.Event()  # the interpreter is ending: a child that ends is not replaced


@atexit.register  # runs before multiprocessing's exit function, which ends the children (LIFO)
def _at_exit() -> None:
    _exiting.set()


def children_cpu() -> float:
    """CPU seconds of the pictures' processes ended so far (forked from the fork server, they are
    not this process's children for `resource.RUSAGE_CHILDREN`): for the benchmark's figures."""
    return _ended_cpu[0]


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    # before the server starts: each night forks from it (imagehash imports scipy.fftpack on its first
    # pHash, which would otherwise be in every child)
    context.set_forkserver_preload([__name__, "scipy.fftpack"])
    return context


class ImageProcess:
    """`ImageFetcher`'s interface, served by a child process (see the module's docstring).

    A child that ends before its time is replaced, at most MAX_RESTARTS times a night, and the
    pictures it still owed are asked of the new one (a picture that kills the decoder kills only
    the child: after the last replacement, the pictures still awaited get a French reason). A child
    that cannot even start (this machine cannot fork one) is not retried: the pictures are then
    downloaded in the night's own process, as before the child existed."""

    def __init__(
        self,
        network: NetworkSettings,
        cache_path: Path | None,
        *,
        resolve: Mapping[str, str] | None = None,
        now: Callable[[], float] = time.time,
        target: Callable[..., None] | None = None,
    ):
        """`target`: the child's loop, `serve` (a test gives one that fails as it starts)."""
        self._target = target or serve
        self._network, self._cache_path, self._now = network, cache_path, now
        self._resolve = dict(resolve or {})
        self._send_lock = threading.RLock()  # `_child_ended` sends while it holds it
        self._lock = threading.Lock()
        self._evidence: dict[str, Future[ImageEvidence]] = {}  # URL -> its evidence, tonight
        self._identified: list[tuple[str, str]] = []  # told again to a replacement child
        self._replies: dict[int, Future[Any]] = {}
        self._numbers = itertools.count()
        self._gone = False  # no child any more, and none will come: awaited pictures get GONE
        self._stopping = False
        self._restarts = 0
        self._local: ImageFetcher | None = None  # the night's own process downloads (fallback)
        self._process: Any = None
        try:
            self._start()
        except (OSError, ValueError, RuntimeError) as exc:  # no child on this machine
            logger.warning(
                "the pictures' process could not start (%s): the pictures are downloaded here", exc
            )
            self._local = self._here()

    def _start(self) -> None:
        """A child, and the thread that reads its answers. Raises when none can be started."""
        context = _context()
        conn, child = context.Pipe()
        offset = self._now() - time.time()  # the run's clock (a test's, the benchmark's next day)
        level = logging.getLogger("scanner").getEffectiveLevel()
        process = context.Process(
            target=self._target,
            args=(child, self._network, self._cache_path, self._resolve, offset, level),
            name="vigie-images",
            daemon=True,
        )
        process.start()
        child.close()
        started: Future[bool] = Future()  # set by the child's first message
        self._conn, self._process = conn, process
        self._reader = threading.Thread(
            target=self._read, args=(conn, started), name="images-answers", daemon=True
        )
        self._reader.start()

    # ---------------------------------------------------------------- ImageSource

    def due(self) -> list[str]:
        return self._ask("due") or []

    def identify(self, pictures: Iterable[tuple[str | None, str | None]]) -> None:
        pairs = [(url, key) for url, key in pictures if url and key]
        if pairs:
            with self._lock:
                self._identified += pairs
            self._send(("identify", pairs))

    def prefetch(self, urls: Iterable[str]) -> None:
        with self._lock:  # registered before it is sent: a child that ends is asked again for it
            new = [u for u in dict.fromkeys(u for u in urls if u) if u not in self._evidence]
            for url in new:
                self._evidence[url] = Future()
        if new:
            self._send(("prefetch", new))

    def fetch(self, url: str) -> ImageEvidence:
        if not url:
            return ImageEvidence(url, error="aucune adresse d'image")
        return self.fetch_many([url])[url]

    def fetch_many(
        self, urls: Iterable[str], advance: Callable[[], None] | None = None
    ) -> dict[str, ImageEvidence]:
        unique = list(dict.fromkeys(u for u in urls if u))
        self.prefetch(unique)
        with self._lock:
            futures = [self._evidence[url] for url in unique]
        found = gathered(unique, futures, advance)
        self._send(("seen", unique))
        return found

    # ---------------------------------------------------------------- the rest of ImageFetcher's

    def picture(self, url: str) -> bytes | None:
        return self._ask("picture", url)

    def stats(self) -> dict[str, int]:
        return self._ask("stats") or {}

    def save(self) -> None:
        self._ask("save")

    def close(self) -> None:
        """Stop the downloads (as `ImageFetcher.close`); the child stays for `save` and `picture`."""
        self._ask("close")

    def stop(self) -> None:
        """End the child: after `save`, when the night is over."""
        with self._lock:
            self._stopping = True
        self._send(("stop",))
        if self._process is None:  # never started: the pictures were downloaded here
            return
        self._process.join(STOP_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._reader.join(STOP_SECONDS)  # its last answers (the child's CPU) are read
        self._conn.close()

    # ---------------------------------------------------------------- the pipe

    def _send(self, message: tuple) -> None:
        """To the child; to this process's fetcher after the fallback; nowhere once gone. Under
        `_send_lock`, which `_child_ended` holds while it replaces the child: whatever was
        registered before this is sent is either delivered or in the awaited that it asks again."""
        with self._send_lock:
            if self._gone:
                if message[0] == "prefetch":
                    with self._lock:
                        self._fail(message[1])
                return
            if self._local is not None:
                self._to_local(self._local, message)
                return
            try:
                self._conn.send(message)
            except (OSError, ValueError):  # the child is gone: its reader replaces it
                logger.warning("the pictures' process does not answer")

    def _to_local(self, local: ImageFetcher, message: tuple) -> None:
        obey(local, message, self._settle, self._answered_here)

    def _answered_here(self, number: int, value: Any) -> None:
        with self._lock:
            future = self._replies.pop(number, None)
        if future is not None:
            future.set_result(value)

    def _ask(self, name: str, *args: Any) -> Any:
        future: Future[Any] = Future()
        with self._lock:
            if self._gone:
                return None
            number = next(self._numbers)
            self._replies[number] = future
        self._send(("ask", number, name, args))
        return future.result()

    def _read(self, conn: Any, started: Future[bool]) -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "ready":
                self._ready(message[1])
            elif kind == "reply":
                with self._lock:
                    future = self._replies.pop(message[1], None)
                if future is not None:
                    future.set_result(message[2])
            elif kind == "log":
                _, level, name, text = message
                logging.getLogger(name).log(level, "%s", text)
            elif kind == "started":
                started.set_result(True)
            elif kind == "ended":
                _ended_cpu[0] += message[1]
        self._child_ended(started.done())

    def _child_ended(self, had_started: bool) -> None:
        """The child's pipe is closed: replace it, or download here, or give up (see the class)."""
        with self._send_lock:
            with self._lock:
                replies, self._replies = list(self._replies.values()), {}
                awaited = [url for url, future in self._evidence.items() if not future.done()]
                identified = list(self._identified)
                if self._stopping or _exiting.is_set():
                    self._stopping = True
                if self._stopping or (had_started and self._restarts >= MAX_RESTARTS):
                    self._gone = True
                    self._fail(awaited)
                    action = "stopped" if self._stopping else "gone"
                else:
                    action = "again" if had_started else "here"
                    self._restarts += had_started
            for future in replies:  # what was asked of the child is not answered (None: nothing)
                future.set_result(None)
            if action == "gone" and awaited:
                logger.error("the pictures' process ended for good, %d picture(s) awaited", len(awaited))
            elif action == "here":
                logger.warning("the pictures' process could not start: the pictures are downloaded here")
                try:
                    local = self._here()
                except Exception:
                    logger.exception("nor can the pictures be downloaded here")
                    self._give_up(awaited)
                    return
                self._local = local
                local.identify(identified)
                local.on_ready(awaited, self._settle)
            elif action == "again":
                logger.error(
                    "the pictures' process ended, %d picture(s) awaited: started again", len(awaited)
                )
                try:
                    self._start()
                except (OSError, ValueError, RuntimeError):
                    logger.exception("the pictures' process could not be started again")
                    self._give_up(awaited)
                    return
                for message in (("identify", identified), ("prefetch", awaited)):
                    if message[1]:
                        self._send(message)

    def _here(self) -> ImageFetcher:
        """The fallback: the same downloads, in the night's own process."""
        return ImageFetcher(Fetcher(self._network, resolve=self._resolve), self._cache_path, now=self._now)

    def _give_up(self, awaited: list[str]) -> None:
        with self._lock:
            self._gone = True
            self._fail(awaited)

    def _ready(self, answers: list[tuple]) -> None:
        with self._lock:
            futures = [(self._evidence.get(answer[0]), answer) for answer in answers]
        for future, (url, fingerprint, width, height, error) in futures:
            if future is not None and not future.done():
                found = Fingerprint.loads(fingerprint) if fingerprint else None
                future.set_result(ImageEvidence(url, found, error=error, width=width, height=height))

    def _settle(self, evidence: ImageEvidence) -> None:
        """A picture downloaded in this process (the fallback)."""
        with self._lock:
            future = self._evidence.get(evidence.url)
        if future is not None and not future.done():
            future.set_result(evidence)

    def _fail(self, urls: Iterable[str]) -> None:
        """Called with the lock held."""
        for url in urls:
            future = self._evidence[url]
            if not future.done():
                future.set_result(ImageEvidence(url, error=GONE))


# ---------------------------------------------------------------- the child


class _Pipe:
    """The child's end: answers go up together, every FLUSH_SECONDS at most."""

    def __init__(self, conn: Any):
        self.conn = conn
        self._lock = threading.Lock()
        self._ready: list[tuple] = []
        self._wake = threading.Condition(self._lock)
        self._open = True
        self._flusher = threading.Thread(target=self._flush_loop, name="images-flush", daemon=True)
        self._flusher.start()

    def send(self, message: tuple) -> None:
        with self._lock:
            self._send_locked(message)

    def tell(self, evidence: ImageEvidence) -> None:
        fingerprint = evidence.fingerprint.dumps() if evidence.fingerprint is not None else None
        with self._lock:
            self._ready.append((evidence.url, fingerprint, evidence.width, evidence.height, evidence.error))
            self._wake.notify()

    def close(self) -> None:
        with self._lock:
            self._flush_locked()
            self._open = False
            self._wake.notify()
        self._flusher.join()

    def _flush_loop(self) -> None:
        with self._lock:
            while self._open:
                self._wake.wait()
                if not self._open:
                    break
                self._wake.wait(FLUSH_SECONDS)  # let the answers of the same moment gather
                self._flush_locked()

    def _flush_locked(self) -> None:
        if self._ready:
            ready, self._ready = self._ready, []
            self._send_locked(("ready", ready))

    def _send_locked(self, message: tuple) -> None:
        if self._open:
            try:
                self.conn.send(message)
            except (OSError, ValueError):  # the night's process is gone
                self._open = False


class _Forward(logging.Handler):
    """The child's log records, sent up to be logged by the night's process."""

    def __init__(self, pipe: _Pipe, level: int):
        super().__init__(level)
        self.pipe = pipe

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.pipe.send(("log", record.levelno, record.name, self.format(record)))
        except Exception:  # a log line is never worth the night
            self.handleError(record)


ASKED = frozenset({"due", "stats", "picture", "save", "close"})  # what `ask` may call


def obey(
    images: ImageFetcher,
    message: tuple,
    tell: Callable[[ImageEvidence], None],
    answer: Callable[[int, Any], None],
) -> bool:
    """One command of the night's process, applied to `images` (in the child, or here after the
    fallback); False for `stop`."""
    kind = message[0]
    if kind == "prefetch":
        images.on_ready(message[1], tell)
    elif kind == "identify":
        images.identify(message[1])
    elif kind == "seen":
        images.mark_seen(message[1])
    elif kind == "ask":
        _, number, name, args = message
        try:
            value = getattr(images, name)(*args) if name in ASKED else None
        except Exception:
            logging.getLogger(__name__).exception("pictures: %s", name)
            value = None
        answer(number, value)
    return kind != "stop"


def serve(
    conn: Any,
    network: NetworkSettings,
    cache_path: Path | None,
    resolve: dict[str, str],
    offset: float,
    level: int,
) -> None:
    """The child's loop: one `ImageFetcher`, driven by the night's commands until `stop`."""
    pipe = _Pipe(conn)
    root = logging.getLogger()
    root.handlers[:] = [_Forward(pipe, level)]
    root.setLevel(level)
    images = ImageFetcher(Fetcher(network, resolve=resolve), cache_path, now=lambda: time.time() + offset)
    pipe.send(("started",))
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if not obey(
                images, message, pipe.tell, lambda number, value: pipe.send(("reply", number, value))
            ):
                break
    finally:
        images.close()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        pipe.send(("ended", usage.ru_utime + usage.ru_stime))
        pipe.close()
        conn.close()
