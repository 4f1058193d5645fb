# The agent's allocator. With SOC_MIMALLOC (the default), soc-agent and bench_flows (the benchmark
# of its capture path) link mimalloc (Debian's libmimalloc-dev), which then serves every malloc
# and operator new of the process; the library soc_agent_allocator (agent/CMakeLists.txt) carries
# it, so nothing else links it: the collector, socctl and the test programs keep the C library's.
# A finished flow is one Event of about a dozen small heap blocks, built on the capture thread and
# freed in batches; glibc's malloc spent a third of the short-flow path on them (see
# agent/net/README.md). Sanitizer and fuzz builds keep the toolchain's allocator, which they
# replace themselves.
option(SOC_MIMALLOC "Link the agent with mimalloc instead of the C library's malloc" ON)

set(SOC_AGENT_MIMALLOC OFF)
if(SOC_MIMALLOC AND (SOC_SANITIZE OR SOC_BUILD_FUZZ))
  message(STATUS "soc-agent: the C library's malloc (sanitizers replace the allocator)")
elseif(SOC_MIMALLOC)
  find_package(mimalloc REQUIRED CONFIG)  # target mimalloc (shared: it overrides malloc)
  set(SOC_AGENT_MIMALLOC ON)
endif()
