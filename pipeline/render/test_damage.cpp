#include "pipeline/render/test_damage.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "filters/core/error.h"
#include "pipeline/media/av_ptr.h"

namespace shortpack {

namespace fs = std::filesystem;

namespace {

struct PacketPlace {
  int64_t pos = -1;
  int size = 0;
};

// The video pictures that are not keyframes, in file order, with where their bytes are.
std::vector<PacketPlace> non_key_pictures(const fs::path& file) {
  AVFormatContext* raw = nullptr;
  check_av(avformat_open_input(&raw, file.string().c_str(), nullptr, nullptr), ErrorKind::kMedia,
           file.string() + ": test damage: cannot open");
  InputFormatPtr format(raw);
  check_av(avformat_find_stream_info(format.get(), nullptr), ErrorKind::kMedia,
           file.string() + ": test damage: no stream information");
  const int video = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  std::vector<PacketPlace> places;
  PacketPtr packet = make_packet();
  while (av_read_frame(format.get(), packet.get()) >= 0) {
    if (packet->stream_index == video && !(packet->flags & AV_PKT_FLAG_KEY) && packet->pos >= 0) {
      places.push_back({packet->pos, packet->size});
    }
    av_packet_unref(packet.get());
  }
  return places;
}

}  // namespace

void apply_test_damage(const fs::path& file) {
  const char* name = std::getenv("SHORTPACK_TEST_DAMAGE_OUTPUT");
  if (name == nullptr || file.filename().string() != name) return;
  const std::vector<PacketPlace> places = non_key_pictures(file);
  if (places.size() < 3) throw Error(ErrorKind::kMedia, file.string() + ": test damage: too few pictures");
  PacketPlace target;
  for (size_t i = places.size() / 3; i < places.size() * 2 / 3; ++i) {
    if (places[i].size > target.size) target = places[i];
  }
  // Past the length prefix and the slice header, into the coded picture.
  constexpr int kSkip = 60;
  constexpr int kBytes = 256;
  const int count = std::min(kBytes, target.size - kSkip);
  if (count <= 0) throw Error(ErrorKind::kMedia, file.string() + ": test damage: pictures too small");
  std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes(size_t(count), '\0');
  io.seekg(target.pos + kSkip);
  io.read(bytes.data(), count);
  for (char& c : bytes) c = char(~c);
  io.seekp(target.pos + kSkip);
  io.write(bytes.data(), count);
  io.flush();
  if (!io) throw Error(ErrorKind::kMedia, file.string() + ": test damage: cannot rewrite the file");
}

}  // namespace shortpack
