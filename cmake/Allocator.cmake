# The agent's allocator. With SOC_MIMALLOC (the default), soc-agent and the benchmarks of its hot
# paths link mimalloc (Debian's libmimalloc-dev), which then serves every malloc and operator new
# of the process. A finished flow is one Event of about a dozen small heap blocks, built on the
# capture thread and freed in batches; glibc's malloc spends a third of the short-flow path on
# them (see agent/net/README.md). Sanitizer and fuzz builds keep the toolchain's allocator, which
# they replace themselves.
option(SOC_MIMALLOC "Link the agent with mimalloc instead of the C library's malloc" ON)

# SOC_AGENT_MIMALLOC says whether this build links it; only agent/allocator.cc and the test of
# the agent's startup log are compiled with SOC_WITH_MIMALLOC, so switching rebuilds little.
add_library(soc_agent_allocator INTERFACE)
set(SOC_AGENT_MIMALLOC OFF)
if(SOC_MIMALLOC AND NOT SOC_SANITIZE AND NOT SOC_BUILD_FUZZ)
  find_package(mimalloc REQUIRED CONFIG)  # target mimalloc (shared: it overrides malloc)
  target_link_libraries(soc_agent_allocator INTERFACE mimalloc)
  set(SOC_AGENT_MIMALLOC ON)
endif()
