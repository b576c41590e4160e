#include "components/hls/hls_live_index.hpp"
#include "components/hls/hls_playlist.hpp"
#include "components/hls/video_compositor.hpp"

#include <gtest/gtest.h>

namespace shoal::components::hls {
namespace {

TEST(HlsPlaylist, PlainLivePlaylistListsWholeSegments) {
  HlsPlaylist playlist("muxed_header.mp4", 6, std::nullopt);
  playlist.finish_segment("muxed_segment_0.m4s", 6.0);
  playlist.finish_segment("muxed_segment_1.m4s", 6.0);
  EXPECT_EQ(playlist.render(),
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-MAP:URI=\"muxed_header.mp4\"\n"
            "#EXTINF:6.000,\nmuxed_segment_0.m4s\n#EXTINF:6.000,\nmuxed_segment_1.m4s\n");
  playlist.end();
  EXPECT_NE(playlist.render().find("#EXT-X-ENDLIST\n"), std::string::npos);
}

TEST(HlsPlaylist, AWindowKeepsTheNewestSegmentsAndAdvancesTheMediaSequence) {
  HlsPlaylist playlist("muxed_header.mp4", 6, std::nullopt);
  playlist.set_window(12);
  EXPECT_TRUE(playlist.finish_segment("s0.m4s", 6.0).empty());
  EXPECT_TRUE(playlist.finish_segment("s1.m4s", 6.0).empty());
  auto removed = playlist.finish_segment("s2.m4s", 6.0);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].uri, "s0.m4s");
  EXPECT_EQ(playlist.next_sequence(), 3u);
  EXPECT_EQ(playlist.render(),
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:1\n"
            "#EXT-X-MAP:URI=\"muxed_header.mp4\"\n"
            "#EXTINF:6.000,\ns1.m4s\n#EXTINF:6.000,\ns2.m4s\n");
  // One segment longer than the window still stays listed.
  removed = playlist.finish_segment("s3.m4s", 30.0);
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_EQ(playlist.segments().size(), 1u);
  EXPECT_EQ(playlist.next_sequence(), 4u);
}

TEST(HlsPlaylist, LowLatencyListsPartsOfRecentSegmentsAndTheOpenOne) {
  HlsPlaylist playlist("h.mp4", 6, 1.1);
  for (int segment = 0; segment < 5; ++segment) {
    for (int part = 0; part < 6; ++part) {
      playlist.add_part({"s" + std::to_string(segment) + "p" + std::to_string(part), 1.0, part == 0});
    }
    playlist.finish_segment("s" + std::to_string(segment), 6.0);
  }
  playlist.add_part({"s5p0", 1.0, true});
  EXPECT_EQ(playlist.next_sequence(), 5u);
  EXPECT_EQ(playlist.open_parts(), 1u);
  const std::string text = playlist.render();
  EXPECT_NE(text.find("#EXT-X-VERSION:9\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=36.000,PART-HOLD-BACK=3.300\n"),
            std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PART-INF:PART-TARGET=1.100\n"), std::string::npos);
  // Parts only of segments starting within three target durations (18 s) of the end of the
  // listed segments (segments 2 to 4), and the open segment's.
  EXPECT_EQ(text.find("URI=\"s1p5\""), std::string::npos);
  EXPECT_NE(text.find("URI=\"s2p0\""), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PART:DURATION=1.000,URI=\"s3p0\",INDEPENDENT=YES\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PART:DURATION=1.000,URI=\"s4p5\"\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PART:DURATION=1.000,URI=\"s5p0\",INDEPENDENT=YES\n"), std::string::npos);
  EXPECT_NE(text.find("#EXTINF:6.000,\ns0\n"), std::string::npos);
  EXPECT_EQ(text.find("EXT-X-SKIP"), std::string::npos);
}

TEST(HlsPlaylist, DeltaUpdateSkipsSegmentsOlderThanCanSkipUntil) {
  HlsPlaylist playlist("h.mp4", 6, 1.1);
  for (int segment = 0; segment < 10; ++segment) playlist.finish_segment("s" + std::to_string(segment), 6.0);
  const std::string delta = playlist.render_delta();
  // 60 s listed, 36 s may not be skipped: the first 4 segments (whose start is more than
  // 36 s before the end) go.
  EXPECT_NE(delta.find("#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n"), std::string::npos);
  EXPECT_EQ(delta.find("\ns3\n"), std::string::npos);
  EXPECT_NE(delta.find("\ns4\n"), std::string::npos);
  EXPECT_EQ(HlsPlaylist("h.mp4", 6, std::nullopt).render_delta().find("SKIP"), std::string::npos);
}

TEST(HlsPlaylist, MasterPlaylistNamesTheRendition) {
  EXPECT_EQ(master_playlist("muxed.m3u8", 1500000, "avc1.42c028,mp4a.40.2", 1920, 1080, 24),
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1500000,CODECS=\"avc1.42c028,mp4a.40.2\",RESOLUTION=1920x1080,"
            "FRAME-RATE=24.000\nmuxed.m3u8\n");
}

TEST(HlsLiveIndex, ReachedMeansThePartOrALaterSegmentIsListed) {
  LivePosition position{3, 2, 6};
  EXPECT_TRUE(reached(position, 3, 1));
  EXPECT_FALSE(reached(position, 3, 2));
  EXPECT_TRUE(reached(position, 2, 9));
  EXPECT_FALSE(reached(position, 4, 0));
  HlsLiveIndex index;
  EXPECT_FALSE(index.position("room"));
  index.update("room", position);
  EXPECT_EQ(index.position("room")->parts, 2u);
  index.remove("room");
  EXPECT_FALSE(index.position("room"));
}

TEST(VideoCompositor, OnePictureFillsTheCanvasKeepingItsAspect) {
  const CellRect rect = place_picture(0, 1, 1920, 1080, 640, 480);
  EXPECT_EQ(rect.height, 1080);
  EXPECT_EQ(rect.width, 1440);
  EXPECT_EQ(rect.x, 240);
  EXPECT_EQ(rect.y, 0);
}

TEST(VideoCompositor, PicturesGoOnANearSquareGridWithTheLastRowCentred) {
  // Three pictures: 2 columns, 2 rows; the third centred on the second row.
  const CellRect first = place_picture(0, 3, 1920, 1080, 1280, 720);
  const CellRect second = place_picture(1, 3, 1920, 1080, 1280, 720);
  const CellRect third = place_picture(2, 3, 1920, 1080, 1280, 720);
  EXPECT_EQ(first.x, 0);
  EXPECT_EQ(first.y, 0);
  EXPECT_EQ(first.width, 960);
  EXPECT_EQ(first.height, 540);
  EXPECT_EQ(second.x, 960);
  EXPECT_EQ(third.y, 540);
  EXPECT_EQ(third.x, 480);
  for (const auto& rect : {first, second, third}) {
    EXPECT_EQ(rect.x % 2, 0);
    EXPECT_EQ(rect.y % 2, 0);
    EXPECT_LE(rect.x + rect.width, 1920);
    EXPECT_LE(rect.y + rect.height, 1080);
  }
  EXPECT_EQ(place_picture(0, 0, 1920, 1080, 10, 10).width, 0);
  EXPECT_EQ(place_picture(0, 1, 1920, 1080, 0, 10).width, 0);
}

}  // namespace
}  // namespace shoal::components::hls

namespace shoal::components::hls {

// A long low-latency stream without a window: a new part costs the live tail, not the whole
// playlist. The settled head is shared between renderings and only grows, by whole segments.
TEST(HlsPlaylist, APartOfALongStreamCostsTheTailNotTheWholePlaylist) {
  HlsPlaylist playlist("h.mp4", 6, 1.1);
  auto add_segment = [&](int segment) {
    for (int part = 0; part < 6; ++part) {
      playlist.add_part({"s" + std::to_string(segment) + "p" + std::to_string(part), 1.0, part == 0});
    }
    playlist.finish_segment("s" + std::to_string(segment), 6.0);
  };
  for (int segment = 0; segment < 2000; ++segment) add_segment(segment);  // 3 h 20 min
  const SplitPlaylist before = playlist.render_split();
  playlist.add_part({"s2000p0", 1.0, true});
  const SplitPlaylist after = playlist.render_split();
  EXPECT_EQ(after.head.get(), before.head.get()) << "the head was rebuilt for a part";
  EXPECT_LT(after.tail.size(), 2048u);
  EXPECT_GT(after.head->size(), 2000u * 20);
  EXPECT_EQ(after.text(), playlist.render());
  EXPECT_NE(after.tail.find("URI=\"s2000p0\""), std::string::npos);
  EXPECT_EQ(after.head->find("EXT-X-PART:"), std::string::npos);

  // A finished segment moves the oldest live one into the head: the same text as one rendering
  // from scratch would give.
  for (int part = 1; part < 6; ++part) playlist.add_part({"s2000p" + std::to_string(part), 1.0, false});
  playlist.finish_segment("s2000", 6.0);
  const SplitPlaylist grown = playlist.render_split();
  EXPECT_NE(grown.head.get(), after.head.get());
  HlsPlaylist fresh("h.mp4", 6, 1.1);
  for (int segment = 0; segment <= 2000; ++segment) {
    for (int part = 0; part < 6; ++part) {
      fresh.add_part({"s" + std::to_string(segment) + "p" + std::to_string(part), 1.0, part == 0});
    }
    fresh.finish_segment("s" + std::to_string(segment), 6.0);
  }
  EXPECT_EQ(grown.text(), fresh.render());
  EXPECT_EQ(playlist.render_delta(), fresh.render_delta());
}

// With a window the media sequence moves: the head is rebuilt from what is still listed.
TEST(HlsPlaylist, AWindowThatDropsSegmentsRebuildsTheHead) {
  HlsPlaylist playlist("h.mp4", 6, 1.1);
  playlist.set_window(60);
  for (int segment = 0; segment < 30; ++segment) {
    playlist.add_part({"p", 1.0, true});
    playlist.finish_segment("s" + std::to_string(segment), 6.0);
    const std::string text = playlist.render();
    EXPECT_EQ(text.find("\ns" + std::to_string(segment - 10) + "\n"), std::string::npos) << text;
  }
  EXPECT_NE(playlist.render().find("#EXT-X-MEDIA-SEQUENCE:20\n"), std::string::npos) << playlist.render();
  EXPECT_NE(playlist.render().find("\ns20\n"), std::string::npos);
}

}  // namespace shoal::components::hls
