"""moto's server, in a thread of this process, for SES, SNS and the other services but S3
(s3rver.py) and DynamoDB (dynamodb.py).

moto keeps everything in memory: SES, SNS, EventBridge... start empty on every run.
"""
import logging
import threading

from chalicelib.local.environment import LOCAL_HOST, StackError

log = logging.getLogger(__name__)

START_TIMEOUT = 20.0


class MotoServer:
    def __init__(self, port: int):
        self.port = port
        self.url = f"http://{LOCAL_HOST}:{port}"
        self._server = None

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        # moto's werkzeug logs every request at INFO, which would flood the log.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address=LOCAL_HOST, port=self.port, verbose=False)
        # start() waits forever if its thread fails to bind (e.g. port taken since we checked):
        # call it from a helper thread so that we can give up.
        starter = threading.Thread(target=server.start, name="moto-start", daemon=True)
        starter.start()
        starter.join(START_TIMEOUT)
        if starter.is_alive():
            raise StackError(f"moto's server did not start on {self.url} (is port {self.port} busy?)")
        self._server = server
        log.info("moto server on %s", self.url)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            log.info("moto server stopped")
