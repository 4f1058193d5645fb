// OpenSslPtr: a unique_ptr that frees an OpenSSL object with its own free function, e.g.
// `OpenSslPtr<BIO, BIO_free> bio(BIO_new(BIO_s_mem()));`. Header-only; needs no OpenSSL header
// itself (the caller names the type and the function).
#pragma once

#include <memory>

namespace soc {

template <auto Free>
struct OpenSslFree {
  template <typename T>
  void operator()(T* object) const {
    Free(object);
  }
};

template <typename T, auto Free>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree<Free>>;

}  // namespace soc
