// A minimal protobuf wire-format walker (see wire.h). It only needs the
// four wire types proto3 writes: varint, 64-bit, length-delimited, 32-bit.
#include "lib/route/wire.h"

#include <cstdint>

namespace gwapi::route::wire {
namespace {

// Reads a base-128 varint at `*pos`; false past the end or beyond 10 bytes.
bool ReadVarint(absl::string_view data, size_t* pos, uint64_t* out) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= data.size()) return false;
    const uint8_t byte = static_cast<uint8_t>(data[(*pos)++]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *out = value;
      return true;
    }
  }
  return false;
}

}  // namespace

bool Walker::Next() {
  if (!ok_ || pos_ >= data_.size()) return false;
  uint64_t tag;
  if (!ReadVarint(data_, &pos_, &tag) || (tag >> 3) == 0 ||
      (tag >> 3) > 0x1fffffff) {
    ok_ = false;
    return false;
  }
  field_ = static_cast<int>(tag >> 3);
  wire_type_ = static_cast<int>(tag & 7);
  switch (wire_type_) {
    case 0:
      ok_ = ReadVarint(data_, &pos_, &varint_);
      break;
    case 1:
    case 5: {
      const size_t n = wire_type_ == 1 ? 8 : 4;
      ok_ = data_.size() - pos_ >= n;
      pos_ += ok_ ? n : 0;
      break;
    }
    case 2: {
      uint64_t len;
      ok_ = ReadVarint(data_, &pos_, &len) && len <= data_.size() - pos_;
      if (ok_) {
        value_offset_ = pos_;
        value_length_ = static_cast<size_t>(len);
        pos_ += value_length_;
      }
      break;
    }
    default:  // groups (3, 4) and reserved types: proto3 never writes them
      ok_ = false;
  }
  return ok_;
}

bool NthBytes(absl::string_view message, int field, int n,
              absl::string_view* out) {
  Walker w(message);
  while (w.Next()) {
    if (w.field() == field && w.is_bytes() && n-- == 0) {
      *out = message.substr(w.bytes_offset(), w.bytes_length());
      return true;
    }
  }
  return false;
}

uint64_t Varint(absl::string_view message, int field, uint64_t absent) {
  uint64_t value = absent;
  Walker w(message);
  while (w.Next()) {
    if (w.field() == field && w.is_varint()) value = w.varint();
  }
  return value;
}

int Count(absl::string_view message, int field) {
  int n = 0;
  Walker w(message);
  while (w.Next()) n += w.field() == field ? 1 : 0;
  return n;
}

}  // namespace gwapi::route::wire
