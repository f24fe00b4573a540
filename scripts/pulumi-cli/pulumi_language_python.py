"""A stand-in for `pulumi-language-python` that can run Python policy packs, and nothing else.

At v3.274.1 the Pulumi CLI starts a policy pack directory only through the language
host its PulumiPolicy.yaml names (`runtime: python` -> the `pulumi-language-python`
plugin, LanguageRuntime.RunPlugin); the old `pulumi-analyzer-policy-python` fallback
is gone. The real language host is a Go module of its own
(github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) that the Go module
proxy does not serve, so the end-to-end tests use this one. It speaks the same
protocol with the stubs of the `pulumi` wheel:

- started as `pulumi-language-python <engine-address>`, it prints its gRPC port;
- RunPlugin(kind "analyzer") runs `<virtualenv>/bin/python -u -m pulumi.policy
  <args from the engine> <pack directory>` (the virtualenv is PulumiPolicy.yaml's
  `virtualenv` option, relative to the pack) in the CLI's working directory with the
  environment the engine passes, and streams its stdout, stderr and exit code back.

Everything else (program runs, dependency installs, code generation) answers
UNIMPLEMENTED. Unlike the real host it never creates the virtualenv or installs
requirements.txt: a missing virtualenv is an error that says so.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
from google.protobuf import json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

VERSION = "0.0.0-policypack-e2e"
CHUNK = 64 * 1024


def pack_python(info: language_pb2.ProgramInfo) -> str:
    """The interpreter PulumiPolicy.yaml asks for: its virtualenv's, else this one."""
    options = json_format.MessageToDict(info.options) if info.HasField("options") else {}
    virtualenv = options.get("virtualenv")
    if not virtualenv:
        return sys.executable
    root = Path(info.root_directory or info.program_directory)
    folder = Path(virtualenv) if os.path.isabs(virtualenv) else root / virtualenv
    python = folder / "bin" / "python"
    if not python.exists():
        raise FileNotFoundError(f"the policy pack's virtualenv {folder} has no bin/python; create it first")
    return str(python)


def pump(stream, kind: str, out: queue.Queue) -> None:
    """Copy a pipe to the queue as it arrives (the engine waits for the port line)."""
    fd = stream.fileno()
    while chunk := os.read(fd, CHUNK):
        out.put((kind, chunk))
    out.put((kind, None))


class PolicyOnlyLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def GetPluginInfo(self, request, context) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=VERSION)

    def Handshake(self, request, context) -> language_pb2.LanguageHandshakeResponse:
        return language_pb2.LanguageHandshakeResponse()

    def RunPlugin(self, request: language_pb2.RunPluginRequest, context) -> Iterator[language_pb2.RunPluginResponse]:
        if request.kind != "analyzer":
            context.abort(
                grpc.StatusCode.UNIMPLEMENTED, f"this test language host runs policy packs only, not {request.kind!r}"
            )
        try:
            python = pack_python(request.info)
        except FileNotFoundError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        env = dict(item.split("=", 1) for item in request.env) if request.env else dict(os.environ)
        command = [python, "-u", "-m", "pulumi.policy", *request.args, request.info.program_directory]
        process = subprocess.Popen(
            command,
            cwd=request.pwd or None,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        context.add_callback(process.kill)  # the engine cancelled the call: stop the pack
        chunks: queue.Queue = queue.Queue()
        for stream, kind in ((process.stdout, "stdout"), (process.stderr, "stderr")):
            threading.Thread(target=pump, args=(stream, kind, chunks), daemon=True).start()
        open_streams = 2
        while open_streams:
            kind, chunk = chunks.get()
            if chunk is None:
                open_streams -= 1
            elif kind == "stdout":
                yield language_pb2.RunPluginResponse(stdout=chunk)
            else:
                yield language_pb2.RunPluginResponse(stderr=chunk)
        yield language_pb2.RunPluginResponse(exitcode=process.wait())


def main() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(PolicyOnlyLanguageHost(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:  # the engine interrupts its plugins when it is done
        server.stop(grace=None)


if __name__ == "__main__":
    main()
