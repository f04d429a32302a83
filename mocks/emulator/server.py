"""Start the emulated AWS account: moto in-process behind the lambda-posture shim, on 127.0.0.1 only.

    mocks/.venv/bin/python mocks/emulator/server.py --port 0 --port-file /tmp/x.port \
        [--idle-timeout 900] [--parent-pid PID] [--seed N] [--quotas on|off] [--time-scale F] \
        [--latency-ms MEAN] [--fault-mix "5xx=0.02,reset=0.01,stall=0.001"] [--stall-seconds 35]

The chosen port is written to --port-file (atomically, once the server accepts requests). The
process exits by itself when --parent-pid dies or after --idle-timeout seconds without requests.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

# moto settings must be in place before moto is imported.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")  # we load a curated set lazily (iam_ext)
os.environ.setdefault("MOTO_LAMBDA_CONCURRENCY_QUOTA", "1000")  # AWS's UnreservedConcurrentExecutions >= 100 check
os.environ.setdefault("MOTO_ENABLE_ISO_REGIONS", "false")
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # EC2 backends start in 0.3 s instead of ~3 s
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: pick a free one)")
    p.add_argument("--port-file", help="write the chosen port here once ready (atomic rename)")
    p.add_argument("--idle-timeout", type=float, default=900.0, help="exit after this many seconds without requests (0: never)")
    p.add_argument("--parent-pid", type=int, help="exit when this process is gone")
    p.add_argument("--seed", type=int, default=0, help="seed for ids, latency and faults (deterministic runs)")
    p.add_argument("--quotas", choices=("on", "off"), default="off", help="token-bucket API quotas like AWS")
    p.add_argument("--time-scale", type=float, default=1.0, help="multiply every quota rate by this factor")
    p.add_argument("--latency-ms", type=float, default=None, help="mean added latency (default 40 with quotas on, else 0)")
    p.add_argument("--fault-mix", default="", help='background faults, e.g. "5xx=0.02,reset=0.01,stall=0.001"')
    p.add_argument("--stall-seconds", type=float, default=35.0, help="how long a stalled request is held before the drop")
    p.add_argument("--verbose", action="store_true", help="log every request and print tracebacks")
    return p.parse_args(argv)


def write_port_file(path: str, port: int) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    args = parse_args(argv)
    from faults import Config, Controller, parse_fault_mix

    try:
        mix = parse_fault_mix(args.fault_mix)
    except ValueError as e:
        print(f"server.py: {e}", file=sys.stderr)
        return 2
    quotas = args.quotas == "on"
    latency = args.latency_ms if args.latency_ms is not None else (40.0 if quotas else 0.0)
    cfg = Config(quotas=quotas, time_scale=args.time_scale, latency_ms=latency, fault_mix=mix, seed=args.seed,
                 stall_seconds=args.stall_seconds)

    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

    import elbv2_ext
    import iam_ext
    import lambda_core
    import org_ext
    from app import Emulator, install_dispatch_caches

    install_dispatch_caches()
    elbv2_ext.install()
    lambda_core.install_patches()
    iam_ext.install_patches()
    org_ext.install_patches()
    if args.seed:
        from moto.moto_api._internal import mock_random

        mock_random.seed(args.seed)

    moto_app = DomainDispatcherApplication(create_backend_app)
    emulator = Emulator(moto_app, Controller(cfg), stall_seconds=args.stall_seconds, verbose=args.verbose)
    resets: set[int] = set()

    class Handler(MotoRequestHandler):
        def make_environ(self):
            env = super().make_environ()
            env["lp.handler"] = self
            return env

        def lp_mark_reset(self):
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            resets.add(id(self.connection))

        def connection_dropped(self, error, environ=None):
            self.close_connection = True

        def log_request(self, code="-", size="-"):
            if args.verbose:
                super().log_request(code, size)

    server = make_server("127.0.0.1", args.port, emulator, threaded=True, request_handler=Handler)
    orig_shutdown_request = server.shutdown_request

    def shutdown_request(request):
        if id(request) in resets:  # close with SO_LINGER 0: the peer sees a reset, no response
            resets.discard(id(request))
            try:
                request.close()
            except OSError:
                pass
            return
        orig_shutdown_request(request)

    server.shutdown_request = shutdown_request
    port = server.server_port
    emulator.port = port

    # Warm up: build moto's per-service apps and backends before announcing the port.
    from moto.awslambda.models import lambda_backends
    from moto.iam.models import iam_backends

    for signing in ("lambda", "iam", "sts", "monitoring"):
        moto_app.get_application({"PATH_INFO": "/", "REQUEST_METHOD": "POST",
                                  "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=testing/20240101/"
                                                        f"us-east-1/{signing}/aws4_request, SignedHeaders=host, Signature=x"})
    _ = lambda_backends["123456789012"]["us-east-1"], iam_backends["123456789012"]["aws"]
    iam_ext._aws_policy_data()

    stop = threading.Event()

    def watchdog():
        while not stop.wait(1.0):
            if args.parent_pid:
                try:
                    os.kill(args.parent_pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
            if args.idle_timeout and time.monotonic() - emulator.last_activity > args.idle_timeout:
                break
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    def on_signal(signum, frame):
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=watchdog, daemon=True, name="lp-watchdog").start()

    if args.port_file:
        write_port_file(args.port_file, port)

    def warm_later():
        # moto.ec2 takes ~2 s to import; the seeder and the vpc-single-az collector need it. Import it
        # in the background once we are serving rather than delaying the port file.
        time.sleep(0.5)
        try:
            import moto.ec2.models  # noqa: F401
        except Exception:
            pass

    threading.Thread(target=warm_later, daemon=True, name="lp-warm").start()
    if args.verbose:
        print(f"lambda-posture emulator on http://127.0.0.1:{port}", file=sys.stderr)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if args.port_file:
            try:
                with open(args.port_file) as f:
                    if f.read().strip() == str(port):
                        os.remove(args.port_file)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
