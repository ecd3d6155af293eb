#include "lib/model/store.h"

namespace gwapi::model {

const Object* Store::Get(const ObjectKey& key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second.get();
}

void Store::Put(std::shared_ptr<const Object> object) {
  ObjectKey key = object->key;
  objects_[std::move(key)] = std::move(object);
  ++revision_;
}

bool Store::Erase(const ObjectKey& key) {
  if (objects_.erase(key) == 0) return false;
  ++revision_;
  return true;
}

}  // namespace gwapi::model
