#include "lib/engine/lb_sync.h"

#include <utility>

#include "lib/base/status_macros.h"
#include "lib/lb/libbpf_backend.h"

namespace gwapi::engine {

absl::StatusOr<std::unique_ptr<LbSync>> LbSync::Create(const LbSyncOptions& options) {
  std::unique_ptr<LbSync> s(new LbSync());
  s->options_ = options;
  lb::MapSizes sizes;
  if (options.max_entries != 0) {
    sizes.services = sizes.backends = sizes.rev_nat = options.max_entries;
  }
  if (options.in_memory) {
    s->maps_ = std::make_unique<lb::InMemoryMapBackend>(sizes);
  } else {
    lb::LibbpfMapOptions o;
    if (!options.pin_path.empty()) o.pin_path = options.pin_path;
    o.sizes = sizes;
    o.create_missing = options.create_missing;
    GWAPI_ASSIGN_OR_RETURN(s->maps_, lb::LibbpfMapBackend::Open(std::move(o)));
  }
  lb::WriterOptions w;
  w.protocol_differentiation = options.view.protocol_differentiation;
  GWAPI_ASSIGN_OR_RETURN(s->writer_, lb::Writer::Create(s->maps_.get(), w));
  return s;
}

absl::StatusOr<LbSyncReport> LbSync::Sync(const route::Snapshot& snapshot) {
  compile::LbView view = compile::MakeLbView(snapshot, options_.view);
  GWAPI_RETURN_IF_ERROR(writer_->Sync(view.state));
  return LbSyncReport{writer_->last_sync(), std::move(view.notes)};
}

absl::StatusOr<std::vector<lb::ListRow>> LbSync::List() { return lb::List(*maps_); }

}  // namespace gwapi::engine
