#include "common/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace soc {

void name_this_thread(const char* name) {
  constexpr std::size_t kMaxBytes = 15;  // the kernel's limit, without the terminating NUL
  const std::string cut(name, std::min(std::strlen(name), kMaxBytes));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace soc
