#include "agent/net/capabilities.h"

#include <sys/capability.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cstring>

namespace soc::agent::net {

Result<void> drop_all_capabilities() {
#ifdef PR_CAP_AMBIENT
  // Fails with EINVAL on kernels without ambient capabilities: nothing to clear then.
  (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
#endif
  cap_t empty = cap_init();
  if (empty == nullptr)
    return fail(ErrorCode::kInternal, std::string("cap_init: ") + std::strerror(errno));
  const int r = cap_set_proc(empty);
  const int err = errno;
  cap_free(empty);
  if (r != 0) return fail(ErrorCode::kInternal, std::string("cap_set_proc: ") + std::strerror(err));
  return ok();
}

std::string capabilities_text() {
  cap_t caps = cap_get_proc();
  if (caps == nullptr) return "?";
  char* text = cap_to_text(caps, nullptr);
  std::string out = text != nullptr ? text : "?";
  if (text != nullptr) cap_free(text);
  cap_free(caps);
  return out;
}

}  // namespace soc::agent::net
