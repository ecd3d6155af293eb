// A minimal protobuf wire-format walker (see wire.h): varints, fixed 32 and
// 64-bit values, length-delimited fields, and groups, which proto3 never
// writes but a parser must skip as unknown fields, as protobuf does.
#include "lib/route/wire.h"

#include <cstdint>

namespace gwapi::route::wire {
namespace {

// Protobuf's own default recursion limit for nested groups.
constexpr int kMaxGroupDepth = 100;

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

// Reads a tag: false at malformed bytes or field number 0.
bool ReadTag(absl::string_view data, size_t* pos, int* field, int* wire_type) {
  uint64_t tag;
  if (!ReadVarint(data, pos, &tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) {
    return false;
  }
  *field = static_cast<int>(tag >> 3);
  *wire_type = static_cast<int>(tag & 7);
  return true;
}

bool SkipGroup(absl::string_view data, size_t* pos, int field, int depth);

// Skips the value of a field of `wire_type` (not an end-group tag).
bool SkipValue(absl::string_view data, size_t* pos, int field, int wire_type,
               int depth) {
  uint64_t n;
  switch (wire_type) {
    case 0:
      return ReadVarint(data, pos, &n);
    case 1:
    case 5:
      n = wire_type == 1 ? 8 : 4;
      break;
    case 2:
      if (!ReadVarint(data, pos, &n)) return false;
      break;
    case 3:
      return SkipGroup(data, pos, field, depth + 1);
    default:  // 4 (an end-group without its start), 6, 7
      return false;
  }
  if (n > data.size() - *pos) return false;
  *pos += static_cast<size_t>(n);
  return true;
}

// Skips a group's fields up to its end-group tag, which must name `field`.
bool SkipGroup(absl::string_view data, size_t* pos, int field, int depth) {
  if (depth > kMaxGroupDepth) return false;
  int f, type;
  while (ReadTag(data, pos, &f, &type)) {
    if (type == 4) return f == field;
    if (!SkipValue(data, pos, f, type, depth)) return false;
  }
  return false;
}

}  // namespace

bool Walker::Next() {
  if (!ok_ || pos_ >= data_.size()) return false;
  ok_ = ReadTag(data_, &pos_, &field_, &wire_type_);
  if (!ok_) return false;
  if (wire_type_ == 0) {
    ok_ = ReadVarint(data_, &pos_, &varint_);
  } else if (wire_type_ == 2) {
    uint64_t len;
    ok_ = ReadVarint(data_, &pos_, &len) && len <= data_.size() - pos_;
    if (ok_) {
      value_offset_ = pos_;
      value_length_ = static_cast<size_t>(len);
      pos_ += value_length_;
    }
  } else {
    ok_ = SkipValue(data_, &pos_, field_, wire_type_, 0);
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
  return w.ok() ? value : absent;
}

}  // namespace gwapi::route::wire
