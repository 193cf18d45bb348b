#include "pipeline/media/av_ptr.h"

#include "filters/core/error.h"

namespace shortpack {

PacketPtr make_packet() {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw Error(ErrorKind::kInternal, "out of memory allocating a packet");
  return packet;
}

std::string Dictionary::leftover_keys() const {
  std::string keys;
  const AVDictionaryEntry* entry = nullptr;
  while ((entry = av_dict_get(dict_, "", entry, AV_DICT_IGNORE_SUFFIX)) != nullptr) {
    if (!keys.empty()) keys += ", ";
    keys += entry->key;
  }
  return keys;
}

}  // namespace shortpack
