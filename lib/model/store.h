// The set of accepted objects, keyed by group, kind, namespace and name.
// Iteration is in key order, so everything computed from a Store is
// independent of the order objects arrived in.
// Thread-safety: not synchronized; the Engine is its single writer.
#ifndef GWAPI_LIB_MODEL_STORE_H_
#define GWAPI_LIB_MODEL_STORE_H_

#include <cstdint>
#include <map>
#include <memory>

#include "lib/model/object.h"

namespace gwapi::model {

class Store {
 public:
  using Map = std::map<ObjectKey, std::shared_ptr<const Object>>;

  // The stored object, or nullptr.
  const Object* Get(const ObjectKey& key) const;
  // Inserts or replaces. Objects are shared, so snapshots of the store can
  // keep old versions alive without copying.
  void Put(std::shared_ptr<const Object> object);
  bool Erase(const ObjectKey& key);

  const Map& objects() const { return objects_; }
  size_t size() const { return objects_.size(); }

  // A number that grows with every Put or Erase: a cheap "did anything
  // change" check for later stages.
  uint64_t revision() const { return revision_; }

 private:
  Map objects_;
  uint64_t revision_ = 0;
};

}  // namespace gwapi::model

#endif  // GWAPI_LIB_MODEL_STORE_H_
