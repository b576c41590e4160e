#!/usr/bin/python3
"""A live H264 RTSP source for the integration tests: GStreamer's RTSP server serving a test
pattern at rtsp://127.0.0.1:<port>/stream whose IDRs come without SPS/PPS (x264 writes them once,
repeat-headers=0; the payloader adds none, config-interval=0): they are in the SDP only, as with
many cameras. Prints READY once listening, then one line per request it handles (SETUP, PLAY,
TEARDOWN) so tests can see what the client did.
Usage: rtsp_test_source.py PORT [udp|tcp] [basic|digest USER:PASSWORD]
(tcp: RTP interleaved over the RTSP connection only; a UDP SETUP gets 461. basic/digest: every
request needs those credentials in that scheme; others get 401.)"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

Gst.init(None)
port = sys.argv[1]
tcp_only = len(sys.argv) > 2 and sys.argv[2] == "tcp"
auth_scheme = sys.argv[3] if len(sys.argv) > 4 else None

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
if auth_scheme:
    user, password = sys.argv[4].split(":", 1)
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "viewer")
    if auth_scheme == "digest":
        auth.add_digest(user, password, token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    else:
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    role, _ = Gst.Structure.from_string(
        "viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")
    factory.add_role_from_structure(role)
server.get_mount_points().add_factory("/stream", factory)


def on_client(_server, client):
    for signal, name in (("setup-request", "SETUP"), ("play-request", "PLAY"), ("teardown-request", "TEARDOWN")):
        client.connect(signal, lambda _client, _context, line=name: print(line, flush=True))


server.connect("client-connected", on_client)
if server.attach(None) == 0:
    sys.exit("cannot listen on port " + port)
print("READY", flush=True)
GLib.MainLoop().run()
