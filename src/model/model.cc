#include "src/model/model.h"

namespace lithium::model {

Result<std::unique_ptr<Model>> Model::Load(std::shared_ptr<const gguf::File> file) {
  std::unique_ptr<Model> m(new Model());
  m->file_ = std::move(file);
  LI_ASSIGN_OR_RETURN(m->config_, ReadConfig(*m->file_));
  LI_ASSIGN_OR_RETURN(m->weights_, LoadWeights(*m->file_, &m->config_));
  return m;
}

int64_t Model::n_params() const {
  int64_t n = 0;
  for (const auto& t : file_->tensors()) n += int64_t(t.n_elements);
  return n;
}

KvCache::KvCache(const Config& cfg, int64_t n_ctx)
    : n_ctx_(n_ctx), kv_dim_(cfg.kv_dim()),
      k_(size_t(cfg.n_layer * n_ctx * cfg.kv_dim())),
      v_(size_t(cfg.n_layer * n_ctx * cfg.kv_dim())) {}

}  // namespace lithium::model
