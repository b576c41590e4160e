#!/usr/bin/python3
"""A live H264 RTSP source for the integration tests: GStreamer's RTSP server serving a test
pattern at rtsp://127.0.0.1:<port>/stream whose IDRs come without SPS/PPS (x264 writes them once,
repeat-headers=0; the payloader adds none, config-interval=0): they are in the SDP only, as with
many cameras. Prints READY once listening, then one line per request it handles (SETUP, PLAY,
TEARDOWN) so tests can see what the client did. Usage: rtsp_test_source.py PORT [tcp]
(tcp: RTP interleaved over the RTSP connection only; a UDP SETUP gets 461)."""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

Gst.init(None)
port = sys.argv[1]
tcp_only = len(sys.argv) > 2 and sys.argv[2] == "tcp"

server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 bframes=0 option-string=repeat-headers=0 "
    "! video/x-h264,profile=constrained-baseline ! rtph264pay name=pay0 pt=96 config-interval=0 )"
)
factory.set_shared(True)
if tcp_only:
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
server.get_mount_points().add_factory("/stream", factory)


def on_client(_server, client):
    for signal, name in (("setup-request", "SETUP"), ("play-request", "PLAY"), ("teardown-request", "TEARDOWN")):
        client.connect(signal, lambda _client, _context, line=name: print(line, flush=True))


server.connect("client-connected", on_client)
if server.attach(None) == 0:
    sys.exit("cannot listen on port " + port)
print("READY", flush=True)
GLib.MainLoop().run()
