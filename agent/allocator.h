// The allocator serving the agent's heap (see cmake/Allocator.cmake): which one, for the startup
// log, and how much of it is in use, for the memory benchmarks.
#pragma once

#include <cstddef>
#include <string>

namespace soc::agent {

// "mimalloc 2.0.9" when the agent was linked with mimalloc and mimalloc really serves the C heap (a
// block from calloc lies in its heap: the override took); otherwise "libc malloc".
std::string allocator_name();

// Bytes in heap blocks now allocated, as the serving allocator counts them (block sizes with its
// rounding): glibc's mallinfo2 for the whole process; under mimalloc, the calling thread's default
// heap only (without its blocks of over 16 MiB, which belong to no heap), so measure on the thread
// that allocates.
std::size_t heap_bytes_in_use();

}  // namespace soc::agent
