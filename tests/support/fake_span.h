// A span's packets as x264 would order them, without x264 (tests of joins and of the span cache).
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "pipeline/media/span_join.h"

namespace shortpack::test {

// Packets of one span: frames [first, first + n) in x264's B-frame order (I P B B P B B ...).
inline EncodedSpan fake_span(int64_t first, int64_t n, uint8_t extradata_byte = 1) {
  EncodedSpan s;
  s.first_frame = first;
  s.frame_count = n;
  s.parameters.reset(avcodec_parameters_alloc());
  s.parameters->codec_id = AV_CODEC_ID_H264;
  s.parameters->extradata = static_cast<uint8_t*>(av_mallocz(4 + AV_INPUT_BUFFER_PADDING_SIZE));
  s.parameters->extradata_size = 4;
  s.parameters->extradata[0] = extradata_byte;
  s.reorder_delay_frames = 2;
  std::vector<int64_t> order{first};
  for (int64_t p = first + 3; p < first + n; p += 3) {
    order.insert(order.end(), {p, p - 2, p - 1});
  }
  const int64_t rest = order.size() > 1 ? order[order.size() - 3] + 1 : first + 1;
  for (int64_t p = rest; p < first + n; ++p) order.push_back(p);
  for (int64_t pts : order) {
    s.packets.push_back(make_packet());
    if (av_new_packet(s.packets.back().get(), 1000) != 0) throw std::bad_alloc();
    std::memset(s.packets.back()->data, static_cast<int>(pts & 0xff), 1000);
    s.packets.back()->pts = pts;
    s.packets.back()->dts = pts;  // the join recomputes it
    if (pts == first) s.packets.back()->flags |= AV_PKT_FLAG_KEY;
  }
  s.complete = true;
  return s;
}

}  // namespace shortpack::test
