// Reading single fields out of a serialized message without parsing it.
//
// The snapshot keeps its gwapi.v1.Snapshot only in wire form (a parsed copy
// costs about six times the bytes); the readers that run per request (a
// route's kind; a backend's port, weight and verdict) find their fields in
// it directly. Nothing here allocates: bytes come back as views into the
// message they were read from.
#ifndef GWAPI_LIB_ROUTE_WIRE_H_
#define GWAPI_LIB_ROUTE_WIRE_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace gwapi::route::wire {

// The `n`th occurrence (from 0) of length-delimited field `field` of
// `message`: a string, bytes or an embedded message. False when there is no
// such occurrence or the bytes are malformed.
bool NthBytes(absl::string_view message, int field, int n,
              absl::string_view* out);

// The last occurrence of varint field `field` (proto3: the value), or
// `absent` when the field is not there or the bytes are malformed.
uint64_t Varint(absl::string_view message, int field, uint64_t absent);

// Calls f(offset, length) for each occurrence of length-delimited field
// `field`, with the offset of its contents in `message`. False when the
// bytes are malformed.
template <typename F>
bool ForEachBytes(absl::string_view message, int field, F&& f);

// --- Implementation ---------------------------------------------------

// One step of a walk over a message's top-level fields. Groups (wire types
// 3 and 4, which proto3 never writes) are skipped whole, as protobuf skips
// them as unknown fields.
class Walker {
 public:
  explicit Walker(absl::string_view message) : data_(message) {}
  // Advances to the next field; false at the end or on malformed bytes
  // (then ok() is false).
  bool Next();
  int field() const { return field_; }
  bool is_bytes() const { return wire_type_ == 2; }
  bool is_varint() const { return wire_type_ == 0; }
  // For length-delimited fields: where the contents start, and how long.
  size_t bytes_offset() const { return value_offset_; }
  size_t bytes_length() const { return value_length_; }
  uint64_t varint() const { return varint_; }
  bool ok() const { return ok_; }

 private:
  absl::string_view data_;
  size_t pos_ = 0;
  int field_ = 0;
  int wire_type_ = 0;
  size_t value_offset_ = 0;
  size_t value_length_ = 0;
  uint64_t varint_ = 0;
  bool ok_ = true;
};

template <typename F>
bool ForEachBytes(absl::string_view message, int field, F&& f) {
  Walker w(message);
  while (w.Next()) {
    if (w.field() == field && w.is_bytes()) {
      f(w.bytes_offset(), w.bytes_length());
    }
  }
  return w.ok();
}

}  // namespace gwapi::route::wire

#endif  // GWAPI_LIB_ROUTE_WIRE_H_
