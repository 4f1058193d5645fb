# Every external dependency, all from Debian 12 packages (the ./soc script installs them).
# Nothing is downloaded at build time.
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(HS REQUIRED IMPORTED_TARGET libhs)  # Vectorscan
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)  # packet capture (agent/net)
pkg_check_modules(CAP REQUIRED IMPORTED_TARGET libcap)  # dropping capabilities after capture opens
# cpp-httplib (the collector's HTTP API): Debian builds it as a library with OpenSSL support
# (its .pc defines CPPHTTPLIB_OPENSSL_SUPPORT, so httplib::SSLServer and https clients exist).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(cppzmq REQUIRED)
find_package(msgpack REQUIRED CONFIG)  # target msgpackc-cxx
find_package(zstd REQUIRED CONFIG)
find_package(ZLIB REQUIRED)  # inflating HTTP bodies for the packet rules (agent/net)
find_package(yaml-cpp REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(tl-expected REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(OpenSSL REQUIRED)  # OpenSSL::Crypto: Ed25519 pack signatures, SHA-256
find_package(Threads REQUIRED)

if(SOC_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(SOC_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
