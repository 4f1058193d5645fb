#include "common/thread_name.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>

namespace soc {
namespace {

// The calling thread's name as the kernel reports it in /proc.
std::string this_thread_comm() {
  const auto tid = static_cast<long>(::syscall(SYS_gettid));
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

std::string name_in_thread(const char* name) {
  std::string seen;
  std::thread t([&] {
    name_this_thread(name);
    seen = this_thread_comm();
  });
  t.join();
  return seen;
}

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = this_thread_comm();
  EXPECT_EQ(name_in_thread("soc-writer"), "soc-writer");
  EXPECT_EQ(this_thread_comm(), before);
}

TEST(ThreadName, CutsNamesTheKernelCannotHold) {
  // pthread_setname_np refuses names over 15 bytes outright: they are cut, not dropped.
  EXPECT_EQ(name_in_thread("soc-a-very-long-thread-name"), "soc-a-very-long");
}

}  // namespace
}  // namespace soc
